/*
 * importer -- plain kernel code that uses exporter.c's function and data.
 *
 * Job: linking one module against another's exports through the shared
 * loader: importer_run(x) returns exporter_twice(x) + exporter_counter as it
 * is after the call, and importer_greeting() the address of the exporter's
 * string, so a test sees both code and data bound to the exporter's copy.
 */
extern int exporter_counter;
extern const char exporter_greeting[];
int exporter_twice(int);

int importer_run(int);
const char *importer_greeting(void);

int
importer_run(int x)
{
	int doubled = exporter_twice(x);

	return doubled + exporter_counter;
}

const char *
importer_greeting(void)
{
	return exporter_greeting;
}

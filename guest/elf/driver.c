/* Reader fixture: a small C driver as gcc emits it for a kernel (-ffreestanding -fno-pic),
 * with the sections real modules carry: .rodata.str1.1, .comment, .eh_frame, a COMMON
 * variable, static data and calls to undefined kernel functions. */
extern int printf(const char *fmt, ...);
extern int uiomove(void *buf, unsigned long n, void *uio);

int driver_open_count;                  /* COMMON with -fcommon */
static int fib_table[16] = {0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610};
static char scratch[256];
const char *driver_name = "elfdrv";

int driver_read(void *uio, unsigned long n)
{
    driver_open_count++;
    if (n > sizeof(scratch))
        n = sizeof(scratch);
    for (unsigned long i = 0; i < n; i++)
        scratch[i] = (char)fib_table[i % 16];
    printf("%s: read %lu bytes\n", driver_name, n);
    return uiomove(scratch, n, uio);
}

int driver_load(void)
{
    printf("%s: loaded\n", driver_name);
    return 0;
}

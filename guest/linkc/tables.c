/*
 * Data that relocations make: pointers into the middle of arrays and just before them,
 * arrays of strings, function pointer tables, 64-bit constants holding addresses, sizes and
 * offsets computed from symbol addresses, and code that indexes tables by a variable (which
 * the kernel code model encodes as 32-bit sign-extended displacements).
 */
#include <stddef.h>
#include <stdint.h>

extern int kernel_table[];
extern const char kernel_version[];
extern void panic(const char *msg) __attribute__((noreturn));
extern int missing_everywhere(void) __attribute__((weak));

struct pair { const char *key; int value; };

static const struct pair pairs[] = {
	{ "alpha", 1 }, { "beta", 2 }, { "gamma", 3 }, { "delta", 4 }, { "epsilon", 5 },
};

int values[16] = { 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987 };
int *const middle = &values[8];
int *const one_past = &values[16];
const char *const greeting_tail = "hello, world" + 7;
const struct pair *const last_pair = &pairs[sizeof pairs / sizeof pairs[0] - 1];
int *const kernel_slot = &kernel_table[3];
const char *const version = kernel_version;
const uintptr_t values_addr = (uintptr_t)values;
int (*const maybe)(void) = missing_everywhere;
static char big_buffer[8192];
char *const buffer_end = big_buffer + sizeof big_buffer;

static int square(int x) { return x * x; }
static int cube(int x) { return x * x * x; }
static int negate(int x) { return -x; }
int (*const operations[])(int) = { square, cube, negate, 0 };

int lookup(const char *key)
{
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const char *a = pairs[i].key, *b = key;
		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return pairs[i].value;
	}
	return -1;
}

int apply(int which, int x)
{
	if (which < 0 || which > 2)
		panic("apply: no such operation");
	return operations[which](x) + values[which & 15] + kernel_table[which];
}

int fib_at(int i)
{
	return values[i & 15] + middle[-(i & 7)];
}

long long wide_sum(int n)
{
	long long s = 0;
	for (int i = 0; i < n && i < 16; i++)
		s += (long long)values[i] << 20;
	big_buffer[n & 8191] = (char)s;
	return s + (missing_everywhere ? missing_everywhere() : 0);
}

/*
 * printfmt -- a MOD_MISC module whose load hook exercises every conversion
 * of the NetBSD kernel printf(9), one printf per output line.
 *
 * Job: byte-exact checking of kemu's kernel printf formatter against the
 * NetBSD semantics.  The exact output is in printfmt.expected beside this
 * file (the load hook prints nothing else); the comment above each call
 * says how its line follows from the rules:
 *   - flags '-', '0', '+', ' ', '#'; '0' is ignored with '-' or with a
 *     precision on an integer conversion; '+' beats ' ';
 *   - width and precision, also as '*' arguments (a negative width means
 *     '-'); precision on an integer is a minimum digit count, and a zero
 *     value with precision 0 prints no digits;
 *   - sizes h (short), l (long), ll and q (64-bit quad), z (size_t);
 *   - %p prints 0x and lower-case hex digits, also for NULL (0x0);
 *   - %s of NULL prints (null);
 *   - %b value, "<base><bit><NAME>..." prints the value in base 8, 10 or
 *     16 (the first byte, \10 \12 \20), then, if it is nonzero, the names of
 *     the set bits (bit numbers counted from 1) between < and > separated
 *     by commas; %b ignores width and flags.
 * Every value is chosen so the output is the same on i386 and x86_64.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lkm.h>

int printfmt_lkmentry(struct lkm_table *, int, int);

MOD_MISC("printfmt");

static int
printfmt_load(struct lkm_table *lkmtp, int cmd)
{
	/* plain signed decimal */
	printf("d: %d %d %d\n", 0, 42, -42);
	/* %i is %d; INT_MIN keeps its sign */
	printf("i: %i %i\n", 2147483647, -2147483647 - 1);
	/* %u of -1 reads the bits as unsigned int */
	printf("u: %u %u\n", 3000000000U, -1);
	/* octal; '#' adds a leading 0; zero is "0" */
	printf("o: %o %#o %o\n", 8, 8, 0);
	/* '#' adds 0x/0X, but not to zero */
	printf("x: %x %X %#x %#X %#x\n", 0xbeef, 0xbeef, 255, 255, 0);
	/* characters, padded right and left */
	printf("c: %c%c%c [%3c] [%-3c]\n", 'k', 'e', 'm', 'x', 'y');
	/* strings: width pads, precision truncates */
	printf("s: %s [%10s] [%-10s] [%.3s] [%5.2s]\n",
	    "kemu", "right", "left", "truncate", "abc");
	/* NULL string */
	printf("s: [%s]\n", (char *)NULL);
	/* pointers: always 0x, even NULL; width applies to the whole */
	printf("p: %p %p [%12p]\n", (void *)0x1234, (void *)NULL,
	    (void *)0xdeadbeefUL);
	/* %b: 3 in hex is "3"; bit 2 and bit 1 are both set */
	printf("b: %b\n", 3, "\20\2BITTWO\1BITONE");
	/* %b: zero prints no names; 10 in octal is 12, bits 4 and 2 set */
	printf("b: %b %b\n", 0, "\20\2BITTWO\1BITONE",
	    10, "\10\4FOUR\3THREE\2TWO");
	/* %b: base \12 is decimal; 0x21 = 33 has bit 6 and bit 1 */
	printf("b: %b\n", 0x21, "\12\6SIX\5FIVE\1ONE");
	/* long: values that fit 32 bits, so both arches agree */
	printf("l: %ld %lu %lx\n", -123456789L, 4000000000UL, 0xcafeUL);
	/* long long: 64-bit on both arches */
	printf("ll: %lld %llu %llx\n", -9000000000LL,
	    18446744073709551615ULL, 0x123456789abcdefULL);
	/* the most negative quad */
	printf("ll: %lld\n", -9223372036854775807LL - 1);
	/* q is the BSD spelling of ll */
	printf("q: %qd %qu %qx\n", (quad_t)-1, (u_quad_t)10000000000ULL,
	    (u_quad_t)0xffffffffffULL);
	/* z: size_t / ssize_t */
	printf("z: %zu %zx %zd\n", (size_t)4096, (size_t)0xfff, (ssize_t)-5);
	/* h: the int argument is cut to short: 70000 - 65536 = 4464 */
	printf("h: %hd %hu %hx\n", 70000, 70000, 0x12345);
	/* width: right, left ('-'), zero padded */
	printf("w: [%5d] [%-5d] [%05d] [%5x] [%-8x] [%08X]\n",
	    42, 42, 42, 0xab, 0xab, 0xab);
	/* negatives: sign counts in the width; zero padding goes after it */
	printf("n: [%5d] [%-5d] [%05d] [%+d] [% d] [%+d] [%+ d]\n",
	    -42, -42, -42, 42, 42, -42, 42);
	/* precision on integers; '0' ignored with a precision; %.0d of 0 */
	printf("prec: [%.3d] [%.3d] [%8.3d] [%-8.3d] [%08.3d] [%.0d] [%.5x]\n",
	    7, -7, 7, 7, 7, 0, 0xab);
	/* '*' width and precision; a negative '*' width left-justifies */
	printf("star: [%*d] [%-*d] [%.*d] [%*d]\n", 6, 42, 6, 42, 4, 42, -6, 42);
	/* '#' with width: the 0x counts in the width; zeros go after it */
	printf("alt: [%#10x] [%#010x] [%-#10x]\n", 0xbeef, 0xbeef, 0xbeef);
	/* a literal percent sign */
	printf("pct: 100%% done\n");
	return (0);
}

int
printfmt_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, printfmt_load, lkm_nofunc, lkm_nofunc);
}

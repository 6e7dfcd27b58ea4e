/*
 * One module built two ways, `ld -r` (ET_REL, as NetBSD, Linux and FreeBSD amd64 load it) and
 * `ld -shared` (ET_DYN, as FreeBSD builds i386 klds): the tests load both and check that they
 * compute the same results and reference the same data. It uses what shared-object
 * relocations exist for: global data (R_*_GLOB_DAT or text relocations), function pointers
 * and string tables in data (R_*_RELATIVE), a pointer to a kernel variable in data (R_*_32 /
 * R_X86_64_64), calls to the kernel (R_*_JMP_SLOT through the PLT, or R_386_PC32).
 */
extern int kernel_add(int a, int b);        /* a kernel service */
extern int kernel_ticks;                    /* a kernel variable */

static int counter = 5;
int table[4] = {1, 2, 3, 4};
static const char *const names[] = {"zero", "one", "two"};
int *const ticks_ptr = &kernel_ticks;
const char *greeting = "hello from a module";

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
int (*ops[2])(int) = {twice, square};

int apply(int i, int x) { return ops[i & 1](x); }
const char *name_of(int i) { return names[i % 3]; }
int bump(void) { counter += table[2]; return counter; }
int call_kernel(int a) { return kernel_add(a, table[3]) + *ticks_ptr; }
int *table_address(void) { return table; }
int (*op_address(int i))(int) { return ops[i & 1]; }
int sum_table(void) { int s = 0; for (int i = 0; i < 4; i++) s += table[i]; return s; }

/*
 * hostile -- a MOD_DEV character device whose ioctls each do one thing no
 * driver may do (hostile.h): overrun its stack, jump into kernel text or
 * data, write its own read-only sections, call kernel services with garbage
 * pointers and huge lengths, recurse without end, spin, call NULL, point its
 * stack at nothing, trap, and return with the CPU in odd states (direction,
 * alignment-check and interrupt flags, null segment registers, an x87
 * control word with every exception unmasked).  HOSTILEIOCUNLOADSPIN makes
 * its next unload loop forever.
 *
 * Job: kemu's promise that no module can do more than fail its own call:
 * each act ends in an oops (or an EFAULT from the service), the module stays
 * loaded and answers the next ioctl, HOSTILEIOCGCPU sees a clean CPU after
 * HOSTILEIOCODDCPU, and other modules (fibo) keep working in the same
 * machine.  The load and a plain open/read/close are well behaved.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include <sys/ioctl.h>
#include <sys/lkm.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/uio.h>
#include <lib/libkern/libkern.h>

#include "kemu_test.h"
#include "hostile.h"

int hostile_lkmentry(struct lkm_table *, int, int);

static dev_type_open(hostile_open);
static dev_type_close(hostile_close);
static dev_type_read(hostile_read);
static dev_type_ioctl(hostile_ioctl);

static struct cdevsw hostile_cdevsw = {
	hostile_open,
	hostile_close,
	hostile_read,
	(dev_type_write((*))) enodev,
	hostile_ioctl,
	(dev_type_stop((*))) enodev,
	0,
	(dev_type_poll((*))) enodev,
	(dev_type_mmap((*))) enodev,
	0
};

MOD_DEV("hostile", LM_DT_CHAR, -1, &hostile_cdevsw);

extern int hz;				/* kernel data */
static const char hostile_motto[] = "hostile: read-only words";
static char hostile_scratch[64];
volatile int hostile_unload_spins;	/* set by HOSTILEIOCUNLOADSPIN */
volatile unsigned long hostile_spins;
volatile int hostile_zero;		/* always 0: a divisor no compiler can see */
volatile int hostile_dividend = 1;
volatile int hostile_depth_limit = -1;	/* never equal to a depth */
void (*volatile hostile_null)(void);	/* always NULL */
volatile uintptr_t hostile_wild_stack = 0x2000;	/* unmapped in every kemu layout */

static int
hostile_open(dev_t dev, int flag, int mode, struct proc *p)
{
	return (0);
}

static int
hostile_close(dev_t dev, int flag, int mode, struct proc *p)
{
	return (0);
}

static int
hostile_read(dev_t dev, struct uio *uio, int ioflag)
{
	return (uiomove((void *)(uintptr_t)hostile_motto, sizeof(hostile_motto) - 1, uio));
}

static int KEMU_NAMED_FRAME
hostile_smash(void)
{
	char buf[16];
	volatile char *p = buf;
	int i;

	for (i = 0; i < 256; i++)
		p[i] = (char)(0x41 + (i & 7));
	return (buf[0]);
}

static int KEMU_NAMED_FRAME
hostile_recurse(int depth)
{
	volatile char frame[128];

	frame[0] = (char)depth;
	if (depth == hostile_depth_limit)
		return (0);
	return (hostile_recurse(depth + 1) + frame[0]);
}

static int KEMU_NAMED_FRAME
hostile_jump(uintptr_t where)
{
	void (*volatile fn)(void) = (void (*)(void))where;

	fn();
	return (0);
}

/* One abuse of a kernel service: garbage pointers, huge or wrapping lengths. */
static int KEMU_NAMED_FRAME
hostile_service(int which)
{
	char buf[32];
	void *p;

	switch (which) {
	case 0:
		bzero((void *)16, 0x7fffffff);
		return (0);
	case 1:
		bcopy((void *)0xdeadbeef, hostile_scratch, (size_t)-1);
		return (0);
	case 2:
		memset(buf, 0, (size_t)-1);
		return (buf[0]);
	case 3:
		memcpy(hostile_scratch, (void *)(uintptr_t)-16, 64);
		return (0);
	case 4:
		printf("hostile: %s|%s|%.*s\n", (char *)1, (char *)-1, 0x7fffffff, "x");
		return (0);
	case 5:
		printf((const char *)16);
		return (0);
	case 6:
		return ((int)strlen((const char *)(uintptr_t)-1));
	case 7:
		strncpy(hostile_scratch, (const char *)1, (size_t)-1);
		return (hostile_scratch[0]);
	case 8:
		return (copyout(hostile_scratch, &hz, sizeof(hz)));
	case 9:
		return (copyin((void *)(uintptr_t)-4096, hostile_scratch, (size_t)1 << 30));
	case 10:
		return (copyinstr((void *)0, hostile_scratch, (size_t)-1, (size_t *)1));
	case 11:
		return (uiomove(hostile_scratch, (size_t)-1, (struct uio *)0x1234));
	case 12:
		p = malloc((u_long)-1, M_DEVBUF, M_NOWAIT);
		if (p != NULL)
			free(p, M_DEVBUF);
		return (p != NULL);
	case 13:
		p = malloc((u_long)-1 / 2, M_DEVBUF, M_WAITOK);
		return (p != NULL);
	case 14:
		free((void *)(uintptr_t)0x1234, M_DEVBUF);
		return (0);
	case 15:
		return (snprintf((char *)16, 100, "%d", which));
	}
	return (EINVAL);
}

/* Leave the CPU as no kernel code expects it, then return normally. */
static void KEMU_NAMED_FRAME
hostile_odd_cpu(void)
{
	unsigned short zero = 0, cw = 0x0e40;	/* round to zero, double, all unmasked */

	__asm__ volatile("fldcw %0" : : "m"(cw));
	__asm__ volatile("mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(zero));
#if defined(__x86_64__)
	__asm__ volatile("mov %0, %%ds" : : "r"(zero));
	__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq" : : : "cc", "memory");
#else
	__asm__ volatile("pushfl; orl $0x40000, (%%esp); popfl" : : : "cc", "memory");
#endif
	__asm__ volatile("std; cli" : : : "cc");
}

static void KEMU_NAMED_FRAME
hostile_cpu_state(struct hostile_cpu *cpu)
{
	unsigned long flags;
	unsigned short ds, es, fs, gs, ss, cw;

#if defined(__x86_64__)
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
#else
	__asm__ volatile("pushfl; popl %0" : "=r"(flags));
#endif
	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	__asm__ volatile("mov %%es, %0" : "=r"(es));
	__asm__ volatile("mov %%fs, %0" : "=r"(fs));
	__asm__ volatile("mov %%gs, %0" : "=r"(gs));
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	cpu->flags = flags;
	cpu->ds = ds;
	cpu->es = es;
	cpu->fs = fs;
	cpu->gs = gs;
	cpu->ss = ss;
	cpu->fpu_cw = cw;
}

static void KEMU_NAMED_FRAME
hostile_pivot(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov %0, %%rsp; call printf" : : "r"(hostile_wild_stack) : "memory");
#else
	__asm__ volatile("mov %0, %%esp; call printf" : : "r"(hostile_wild_stack) : "memory");
#endif
}

static int
hostile_ioctl(dev_t dev, u_long cmd, caddr_t data, int flag, struct proc *p)
{
	switch (cmd) {
	case HOSTILEIOCSMASH:
		return (hostile_smash());
	case HOSTILEIOCKTEXT:
		return (hostile_jump((uintptr_t)(void *)printf + 1));
	case HOSTILEIOCKDATA:
		return (hostile_jump((uintptr_t)&hz));
	case HOSTILEIOCRODATA:
		*(volatile char *)(uintptr_t)hostile_motto = 'H';
		return (0);
	case HOSTILEIOCTEXT:
		*(volatile unsigned char *)(uintptr_t)(void *)hostile_smash = 0xc3;
		return (0);
	case HOSTILEIOCSERVICE:
		*(int *)data = hostile_service(*(int *)data);
		return (0);
	case HOSTILEIOCRECURSE:
		return (hostile_recurse(0));
	case HOSTILEIOCODDCPU:
		hostile_odd_cpu();
		return (0);
	case HOSTILEIOCGCPU:
		hostile_cpu_state((struct hostile_cpu *)data);
		return (0);
	case HOSTILEIOCSPIN:
		for (;;)
			hostile_spins++;
	case HOSTILEIOCNULLCALL:
		hostile_null();
		return (0);
	case HOSTILEIOCUNLOADSPIN:
		hostile_unload_spins = 1;
		return (0);
	case HOSTILEIOCTRAPFLAG:
#if defined(__x86_64__)
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop" : : : "cc", "memory");
#else
		__asm__ volatile("pushfl; orl $0x100, (%%esp); popfl; nop; nop" : : : "cc", "memory");
#endif
		return (0);
	case HOSTILEIOCPIVOT:
		hostile_pivot();
		return (0);
	case HOSTILEIOCSYSCALL:
		__asm__ volatile("int $0x80" : : : "memory");
		return (0);
	case HOSTILEIOCDIVIDE:
		return (hostile_dividend / hostile_zero);
	default:
		return (ENOTTY);
	}
}

static int
hostile_handle(struct lkm_table *lkmtp, int cmd)
{
	switch (cmd) {
	case LKM_E_LOAD:
		if (lkmexists(lkmtp))
			return (EEXIST);
		hostile_unload_spins = 0;
		printf("hostile: loaded\n");
		break;
	case LKM_E_UNLOAD:
		while (hostile_unload_spins)
			hostile_spins++;
		printf("hostile: unloaded\n");
		break;
	}
	return (0);
}

int
hostile_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
{
	DISPATCH(lkmtp, cmd, ver, hostile_handle, hostile_handle, hostile_handle);
}

/*
 * A small character driver in the shape kernel modules have: an operations table of function
 * pointers, a device buffer, calls into the kernel, strings, a switch the compiler may turn
 * into a jump table, a cold path in its own section, a registration record in a named section,
 * an optional hook the kernel may not provide (weak), and a COMMON counter.
 *
 * It is compiled (never run) by tools/build_reloc_fixtures.py for the linker's differential
 * tests: what matters is the relocations the compilers emit for it.
 */
#include <stddef.h>

struct uio;
extern int printf(const char *fmt, ...);
extern int uiomove(void *buf, size_t n, struct uio *uio);
extern void *kmalloc(size_t size, int flags);
extern void kfree(void *p);
extern unsigned long jiffies;
extern void optional_hook(int event) __attribute__((weak));

struct cdev_ops {
	const char *name;
	int (*open)(int minor);
	int (*read)(int minor, struct uio *uio, size_t n);
	int (*write)(int minor, struct uio *uio, size_t n);
	int (*ioctl)(int minor, unsigned long cmd, void *arg);
	int (*close)(int minor);
};

#define NDEV 4
static char devbuf[NDEV][256];
static size_t devlen[NDEV];
static int opens[NDEV];
int cdev_events __attribute__((common));
static void *scratch;

static int cdev_open(int minor)
{
	if (minor < 0 || minor >= NDEV)
		return 6; /* ENXIO */
	opens[minor]++;
	cdev_events++;
	if (optional_hook)
		optional_hook(minor);
	return 0;
}

static int cdev_read(int minor, struct uio *uio, size_t n)
{
	if (n > devlen[minor])
		n = devlen[minor];
	return uiomove(devbuf[minor], n, uio);
}

static int cdev_write(int minor, struct uio *uio, size_t n)
{
	if (n > sizeof devbuf[minor])
		n = sizeof devbuf[minor];
	devlen[minor] = n;
	return uiomove(devbuf[minor], n, uio);
}

__attribute__((cold, noinline, section(".text.unlikely")))
static int cdev_complain(const char *what, unsigned long cmd)
{
	printf("cdev: bad %s %lu at tick %lu\n", what, cmd, jiffies);
	return 25; /* ENOTTY */
}

static int cdev_ioctl(int minor, unsigned long cmd, void *arg)
{
	int *out = arg;

	switch (cmd) {
	case 0: *out = opens[minor]; break;
	case 1: *out = (int)devlen[minor]; break;
	case 2: devlen[minor] = 0; break;
	case 3: *out = cdev_events; break;
	case 4: *out = devbuf[minor][0]; break;
	case 5: scratch = kmalloc(64, 0); break;
	case 6: kfree(scratch); scratch = NULL; break;
	case 7: *out = (int)(jiffies & 0xffff); break;
	default: return cdev_complain("ioctl", cmd);
	}
	return 0;
}

static int cdev_close(int minor)
{
	opens[minor]--;
	return 0;
}

const struct cdev_ops cdev_ops = {
	.name = "cdev",
	.open = cdev_open,
	.read = cdev_read,
	.write = cdev_write,
	.ioctl = cdev_ioctl,
	.close = cdev_close,
};

/* A registration record the way NetBSD's link sets and Linux's initcalls collect them. */
__attribute__((used, section("link_set_cdevs")))
static const struct cdev_ops *const cdev_entry = &cdev_ops;

int cdev_load(void)
{
	printf("%s: %d devices, buffer at %p\n", cdev_ops.name, NDEV, (void *)devbuf);
	return 0;
}

/*
 * echodev_probe.c -- drives echodev.o natively and prints one "key=value" fact per line
 * for tests/toolchain/test_guest_modules_native.py to check.
 */
#include "host_kernel.h"
#include "echodev.h"

int echodev_lkmentry(struct lkm_table *, int, int);

static int
ioctl_int(struct cdevsw *cd, dev_t dev, u_long cmd, int value, int fflags, int *out)
{
	int data = value;
	int error = cd->d_ioctl(dev, cmd, (caddr_t)&data, fflags, NULL);

	*out = data;
	return (error);
}

int
main(void)
{
	struct lkm_table table;
	struct cdevsw *cd;
	char buf[2048];
	size_t moved;
	int error, value, rw = FREAD | FWRITE;
	dev_t dev0 = makedev(30, 0);

	memset(&table, 0, sizeof(table));
	error = echodev_lkmentry(&table, LKM_E_LOAD, LKM_VERSION);
	printf("load=%d allocations=%d\n", error, host_live_allocations);
	cd = table.private.lkm_dev->lkm_dev.cdev;

	printf("open1=%d\n", cd->d_open(makedev(30, 1), rw, 0, NULL));
	printf("open0=%d\n", cd->d_open(dev0, rw, 0, NULL));

	error = host_rw(cd, dev0, UIO_WRITE, (void *)"hello, ", 7, &moved);
	printf("write1=%d moved=%lu\n", error, (unsigned long)moved);
	error = host_rw(cd, dev0, UIO_WRITE, (void *)"kemu", 4, &moved);
	printf("write2=%d moved=%lu\n", error, (unsigned long)moved);
	error = ioctl_int(cd, dev0, ECHOIOCGLEN, 0, rw, &value);
	printf("len=%d error=%d\n", value, error);

	memset(buf, 0, sizeof(buf));
	error = host_rw(cd, dev0, UIO_READ, buf, 5, &moved);
	printf("read1=%d moved=%lu data=%s\n", error, (unsigned long)moved, buf);
	memset(buf, 0, sizeof(buf));
	error = host_rw(cd, dev0, UIO_READ, buf, 100, &moved);
	printf("read2=%d moved=%lu data=%s\n", error, (unsigned long)moved, buf);
	error = host_rw(cd, dev0, UIO_READ, buf, 100, &moved);
	printf("read_empty=%d moved=%lu\n", error, (unsigned long)moved);

	error = ioctl_int(cd, dev0, ECHOIOCGCAP, 0, rw, &value);
	printf("cap=%d error=%d\n", value, error);
	host_rw(cd, dev0, UIO_WRITE, (void *)"0123456789A", 11, &moved);
	printf("shrink_below_len=%d\n", ioctl_int(cd, dev0, ECHOIOCSCAP, 8, rw, &value));
	printf("resize_readonly=%d\n", ioctl_int(cd, dev0, ECHOIOCSCAP, 1024, FREAD, &value));
	printf("resize_too_big=%d\n", ioctl_int(cd, dev0, ECHOIOCSCAP, ECHO_MAX_CAP + 1, rw, &value));
	printf("resize=%d allocations=%d\n", ioctl_int(cd, dev0, ECHOIOCSCAP, 1024, rw, &value),
	    host_live_allocations);
	ioctl_int(cd, dev0, ECHOIOCGCAP, 0, rw, &value);
	printf("cap_after=%d\n", value);
	memset(buf, 0, sizeof(buf));
	host_rw(cd, dev0, UIO_READ, buf, sizeof(buf), &moved);
	printf("kept=%s\n", buf);

	memset(buf, 'x', sizeof(buf));
	error = host_rw(cd, dev0, UIO_WRITE, buf, 1500, &moved);
	printf("overfill=%d moved=%lu\n", error, (unsigned long)moved);
	error = host_rw(cd, dev0, UIO_WRITE, buf, 1, &moved);
	printf("full=%d moved=%lu\n", error, (unsigned long)moved);
	printf("clear=%d\n", cd->d_ioctl(dev0, ECHOIOCCLEAR, NULL, rw, NULL));
	ioctl_int(cd, dev0, ECHOIOCGLEN, -1, rw, &value);
	printf("len_after_clear=%d\n", value);
	printf("unknown_ioctl=%d\n", ioctl_int(cd, dev0, _IOR('E', 99, int), 0, rw, &value));

	printf("unload_while_open=%d\n", echodev_lkmentry(&table, LKM_E_UNLOAD, LKM_VERSION));
	printf("close0=%d\n", cd->d_close(dev0, rw, 0, NULL));
	error = echodev_lkmentry(&table, LKM_E_UNLOAD, LKM_VERSION);
	printf("unload=%d allocations=%d\n", error, host_live_allocations);
	return (0);
}

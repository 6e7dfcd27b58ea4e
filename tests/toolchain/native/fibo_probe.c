/*
 * fibo_probe.c -- drives fibo.o natively and prints one "key=value" fact per line for
 * tests/toolchain/test_guest_modules_native.py to check.
 */
#include "host_kernel.h"

int fibo_lkmentry(struct lkm_table *, int, int);

int
main(void)
{
	struct lkm_table table;
	struct cdevsw *cd;
	u_int32_t values[100];
	size_t moved;
	int i, error;
	dev_t dev0 = makedev(29, 0);

	memset(&table, 0, sizeof(table));
	printf("badver=%d\n", fibo_lkmentry(&table, LKM_E_LOAD, 2));
	printf("badver_dispatch_calls=%d\n", host_lkmdispatch_calls);

	host_lkm_exists = 1;
	printf("exists_load=%d\n", fibo_lkmentry(&table, LKM_E_LOAD, LKM_VERSION));
	host_lkm_exists = 0;
	printf("exists_dispatch_calls=%d\n", host_lkmdispatch_calls);

	error = fibo_lkmentry(&table, LKM_E_LOAD, LKM_VERSION);
	printf("load=%d dispatch_calls=%d dispatch_cmd=%d\n", error,
	    host_lkmdispatch_calls, host_lkmdispatch_last_cmd);
	printf("private_type=%d devtype=%d offset=%ld name=%s\n",
	    table.private.lkm_any->lkm_type, table.private.lkm_dev->lkm_devtype,
	    (long)table.private.lkm_any->lkm_offset, table.private.lkm_any->lkm_name);
	cd = table.private.lkm_dev->lkm_dev.cdev;
	printf("stat=%d\n", fibo_lkmentry(&table, LKM_E_STAT, LKM_VERSION));
	printf("write_slot=%d\n", cd->d_write(dev0, NULL, 0));

	printf("open0=%d\n", cd->d_open(dev0, FREAD, 0, NULL));
	printf("open0_again=%d\n", cd->d_open(dev0, FREAD, 0, NULL));
	printf("open8=%d\n", cd->d_open(makedev(29, 8), FREAD, 0, NULL));

	error = host_rw(cd, dev0, UIO_READ, values, sizeof(values), &moved);
	printf("read=%d moved=%lu\nseq=", error, (unsigned long)moved);
	for (i = 0; i < 100; i++)
		printf("%u%s", values[i], i == 99 ? "\n" : " ");

	error = host_rw(cd, dev0, UIO_READ, values, 3, &moved);
	printf("short_read=%d moved=%lu\n", error, (unsigned long)moved);
	error = host_rw(cd, dev0, UIO_READ, values, 10, &moved);
	printf("odd_read=%d moved=%lu\n", error, (unsigned long)moved);

	printf("unload_while_open=%d dispatch_calls=%d\n",
	    fibo_lkmentry(&table, LKM_E_UNLOAD, LKM_VERSION), host_lkmdispatch_calls);
	printf("close0=%d\n", cd->d_close(dev0, FREAD, 0, NULL));
	error = fibo_lkmentry(&table, LKM_E_UNLOAD, LKM_VERSION);
	printf("unload=%d dispatch_calls=%d dispatch_cmd=%d\n", error,
	    host_lkmdispatch_calls, host_lkmdispatch_last_cmd);
	return (0);
}

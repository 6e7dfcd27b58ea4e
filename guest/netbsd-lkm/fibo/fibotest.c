/*
 * fibotest -- the NetBSD LKM tutorial's test program for the fibo driver.
 *
 * A userland program (built with the host's libc, not with kemu cc): it
 * reads 32-bit unsigned integers from /dev/fibo0 and prints one per line,
 * forever, since the device never reaches end of file.  Every value printed
 * is a Fibonacci number below 2971215074.  Kept here for reference: inside
 * kemu the same reads are done through the shell or system.read().
 */
#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define	DEVICE	"/dev/fibo0"

int
main(int argc, char **argv)
{
	u_int32_t val;
	int fd, ret;

	if ((fd = open(DEVICE, O_RDONLY)) < 0)
		err(1, "unable to open " DEVICE);

	while ((ret = read(fd, &val, sizeof(val))) == sizeof(val))
		printf("%u\n", val);

	if (ret < 0)
		err(2, "read(" DEVICE ")");

	return 0;
}

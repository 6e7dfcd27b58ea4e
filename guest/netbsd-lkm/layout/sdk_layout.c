/*
 * Layout contract of kemu's NetBSD 1.6 guest SDK, checked by the compiler.
 *
 * kemu's netbsd-lkm personality builds these structures in guest memory
 * from Python (struct uio for d_read/d_write, struct lkm_table for the entry
 * point, struct cdevsw read back from a loaded module), so the byte offsets
 * below are a contract between the headers and the emulator.  This file is
 * not a module: tests/toolchain compiles it for each arch, and a failed
 * _Static_assert names the member that moved.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/conf.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/lkm.h>

#define	OFF(type, member)	__builtin_offsetof(type, member)
#define	CHECK(expr)		_Static_assert(expr, #expr)

#if defined(__x86_64__)
#define	L(i386, x86_64)		(x86_64)
#else
#define	L(i386, x86_64)		(i386)
#endif

/* Basic types. */
CHECK(sizeof(dev_t) == 4);
CHECK(sizeof(off_t) == 8);
CHECK(sizeof(size_t) == L(4, 8));
CHECK(sizeof(u_long) == L(4, 8));
CHECK(sizeof(void *) == L(4, 8));
CHECK(sizeof(MODTYPE) == 4);
CHECK(sizeof(DEVTYPE) == 4);

/* struct iovec / struct uio */
CHECK(OFF(struct iovec, iov_base) == 0);
CHECK(OFF(struct iovec, iov_len) == L(4, 8));
CHECK(sizeof(struct iovec) == L(8, 16));
CHECK(OFF(struct uio, uio_iov) == 0);
CHECK(OFF(struct uio, uio_iovcnt) == L(4, 8));
CHECK(OFF(struct uio, uio_offset) == L(8, 16));
CHECK(OFF(struct uio, uio_resid) == L(16, 24));
CHECK(OFF(struct uio, uio_segflg) == L(20, 32));
CHECK(OFF(struct uio, uio_rw) == L(24, 36));
CHECK(OFF(struct uio, uio_procp) == L(28, 40));
CHECK(sizeof(struct uio) == L(32, 48));
CHECK(UIO_USERSPACE == 0 && UIO_SYSSPACE == 1);
CHECK(UIO_READ == 0 && UIO_WRITE == 1);

/* struct cdevsw / struct bdevsw (1.6: ten and seven members) */
CHECK(OFF(struct cdevsw, d_open) == 0);
CHECK(OFF(struct cdevsw, d_close) == L(4, 8));
CHECK(OFF(struct cdevsw, d_read) == L(8, 16));
CHECK(OFF(struct cdevsw, d_write) == L(12, 24));
CHECK(OFF(struct cdevsw, d_ioctl) == L(16, 32));
CHECK(OFF(struct cdevsw, d_stop) == L(20, 40));
CHECK(OFF(struct cdevsw, d_tty) == L(24, 48));
CHECK(OFF(struct cdevsw, d_poll) == L(28, 56));
CHECK(OFF(struct cdevsw, d_mmap) == L(32, 64));
CHECK(OFF(struct cdevsw, d_type) == L(36, 72));
CHECK(sizeof(struct cdevsw) == L(40, 80));
CHECK(sizeof(struct bdevsw) == L(28, 56));

/* LKM descriptors */
CHECK(LM_SYSCALL == 0 && LM_VFS == 1 && LM_DEV == 2 && LM_STRMOD == 3);
CHECK(LM_EXEC == 4 && LM_COMPAT == 5 && LM_MISC == 6);
CHECK(LM_DT_BLOCK == 0 && LM_DT_CHAR == 1);
CHECK(LKM_E_LOAD == 1 && LKM_E_UNLOAD == 2 && LKM_E_STAT == 3);
CHECK(LKM_VERSION == 1 && MAXLKMNAME == 32);
CHECK(OFF(struct lkm_any, lkm_type) == 0);
CHECK(OFF(struct lkm_any, lkm_ver) == 4);
CHECK(OFF(struct lkm_any, lkm_name) == 8);
CHECK(OFF(struct lkm_any, lkm_offset) == L(12, 16));
CHECK(sizeof(struct lkm_any) == L(16, 24));
CHECK(sizeof(struct lkm_misc) == sizeof(struct lkm_any));
CHECK(OFF(struct lkm_dev, lkm_offset) == OFF(struct lkm_any, lkm_offset));
CHECK(OFF(struct lkm_dev, lkm_devtype) == L(16, 24));
CHECK(OFF(struct lkm_dev, lkm_dev) == L(20, 32));
CHECK(OFF(struct lkm_dev, lkm_olddev) == L(24, 40));
CHECK(sizeof(struct lkm_dev) == L(64, 120));
CHECK(OFF(struct lkm_syscall, lkm_sysent) == L(16, 24));

CHECK(OFF(struct lkm_table, type) == 0);
CHECK(OFF(struct lkm_table, size) == L(4, 8));
CHECK(OFF(struct lkm_table, offset) == L(8, 16));
CHECK(OFF(struct lkm_table, area) == L(12, 24));
CHECK(OFF(struct lkm_table, used) == L(16, 32));
CHECK(OFF(struct lkm_table, ver) == L(20, 36));
CHECK(OFF(struct lkm_table, refcnt) == L(24, 40));
CHECK(OFF(struct lkm_table, depcnt) == L(28, 44));
CHECK(OFF(struct lkm_table, id) == L(32, 48));
CHECK(OFF(struct lkm_table, entry) == L(36, 56));
CHECK(OFF(struct lkm_table, private) == L(40, 64));
CHECK(OFF(struct lkm_table, syms) == L(44, 72));
CHECK(OFF(struct lkm_table, sym_id) == L(64, 112));
CHECK(sizeof(struct lkm_table) == L(68, 120));

/* /dev/lkm ioctl arguments and command words */
CHECK(sizeof(struct lmc_resrv) == L(36, 72));
CHECK(sizeof(struct lmc_loadbuf) == L(8, 16));
CHECK(sizeof(struct lmc_unload) == L(12, 24));
CHECK(OFF(struct lmc_stat, name) == 4);
CHECK(OFF(struct lmc_stat, offset) == L(36, 40));
CHECK(OFF(struct lmc_stat, type) == L(40, 48));
CHECK(OFF(struct lmc_stat, area) == L(44, 56));
CHECK(OFF(struct lmc_stat, size) == L(48, 64));
CHECK(OFF(struct lmc_stat, private) == L(52, 72));
CHECK(OFF(struct lmc_stat, ver) == L(56, 80));
CHECK(sizeof(struct lmc_stat) == L(60, 88));
CHECK(LMRESERV == L(0xc0244b04UL, 0xc0484b04UL));
CHECK(LMLOADBUF == L(0x80084b01UL, 0x80104b01UL));
CHECK(LMUNRESRV == 0x20004b02UL);
CHECK(LMREADY == L(0x80044b03UL, 0x80084b03UL));
CHECK(LMUNLOAD == L(0xc00c4b0aUL, 0xc0184b0aUL));
CHECK(LMSTAT == L(0xc03c4b0bUL, 0xc0584b0bUL));

/* ioctl encoding and dev_t packing */
CHECK(_IOR('E', 1, int) == 0x40044501UL);
CHECK(_IOW('E', 2, int) == 0x80044502UL);
CHECK(major(makedev(29, 3)) == 29 && minor(makedev(29, 3)) == 3);
CHECK(makedev(29, 3) == 0x1d03);
CHECK(minor(makedev(29, 0x12345)) == 0x12345);

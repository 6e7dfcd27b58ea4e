/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/lkm.h>: the loadable kernel module interface of NetBSD 1.4 - 1.6.
 *
 * Provenance.  NetBSD's own lkm.h in the stored source index is the 2008
 * revision (LKM_VERSION 2, devsw_attach-style lkm_dev); the 1.6 form below
 * was rebuilt from:
 *   - NetBSD lkm.h 1.12 (1996) as carried in OpenBSD's lkm.h: every module
 *     struct starts with {MODTYPE lkm_type; int lkm_ver; char *lkm_name;
 *     u_long lkm_offset;}, lkm_dev adds DEVTYPE, a pointer union and a save
 *     union, MOD_DEV(name, devtype, devslot, devp), and DISPATCH checks the
 *     version, runs the user hook, then returns lkmdispatch();
 *   - NetBSD 1.5/1.6 additions: LM_COMPAT (so LM_MISC is 6), const names,
 *     and the lkm_any header shared by all kinds (2002 users and the
 *     NetBSD 1.6 fibo tutorial);
 *   - kemu's loader spec, /work/shared/specs/loaders.md section 2.3.
 * The tutorial selects this interface with __NetBSD_Version__ < 106080000;
 * 1.6H and later replaced MOD_DEV with a six-argument form, which this SDK
 * refuses rather than imitating half of it.
 *
 * Layouts (checked by guest/netbsd-lkm/layout/sdk_layout.c):
 *                    i386  x86_64
 * lkm_any.lkm_type       0      0
 *         lkm_ver        4      4
 *         lkm_name       8      8
 *         lkm_offset    12     16
 *         sizeof        16     24
 * lkm_dev.lkm_devtype   16     24
 *         lkm_dev       20     32   (union of pointers)
 *         lkm_olddev    24     40   (struct cdevsw save area)
 *         sizeof        64    120
 * lkm_table.private     40     64   (the only member a module touches)
 *           sizeof      68    120
 * struct lkm_table's full member order is a reconstruction (1.x kept a
 * static array of them, so it has no list linkage; `used` marks a slot in
 * use): modules only read and write `private`, through DISPATCH.
 */
#ifndef _SYS_LKM_H_
#define	_SYS_LKM_H_

#if defined(__NetBSD_Version__) && __NetBSD_Version__ >= 106080000
#error "kemu's guest SDK reproduces the NetBSD 1.6 LKM interface; 1.6H and later changed MOD_DEV and LKM_VERSION"
#endif

#include <sys/param.h>
#include <sys/ioccom.h>
#include <sys/conf.h>
#include <sys/systm.h>

/* Supported module types. */
typedef enum loadmod {
	LM_SYSCALL,		/* 0 */
	LM_VFS,			/* 1 */
	LM_DEV,			/* 2 */
	LM_STRMOD,		/* 3 */
	LM_EXEC,		/* 4 */
	LM_COMPAT,		/* 5 */
	LM_MISC			/* 6 */
} MODTYPE;

#define	LKM_OLDVERSION	1		/* version of module loader */
#define	LKM_VERSION	1		/* version of module loader */
#define	MAXLKMNAME	32

/****************************************************************************/

#ifdef _KERNEL

/* Any module: the header every module kind starts with. */
struct lkm_any {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;		/* slot / major number, -1 = pick one */
};

/* Loadable system call: header, the new entry, and a save area. */
struct lkm_syscall {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;		/* save/assign area */
	struct sysent *lkm_sysent;
	struct sysent lkm_oldent;	/* save area for unload */
};

/* Loadable file system. */
struct vfsops;
struct lkm_vfs {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;
	struct vfsops *lkm_vfsops;
};

/* Supported device module types. */
typedef enum devtype {
	LM_DT_BLOCK,		/* 0 */
	LM_DT_CHAR		/* 1 */
} DEVTYPE;

/*
 * Loadable device driver (1.6 form): header, which switch, a pointer to the
 * module's switch entry, and room to save the entry it replaces.
 */
struct lkm_dev {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;		/* major number once loaded */
	DEVTYPE	lkm_devtype;
	union {
		void	*anon;
		struct bdevsw *bdev;
		struct cdevsw *cdev;
	} lkm_dev;
	union {
		struct bdevsw bdev;
		struct cdevsw cdev;
	} lkm_olddev;
};

/* Compat (emulation) module. */
struct emul;
struct lkm_compat {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;
	const struct emul *lkm_compat;
};

/* Miscellaneous module: header only; its hooks do all the work. */
struct lkm_misc {
	MODTYPE	lkm_type;
	int	lkm_ver;
	const char *lkm_name;
	u_long	lkm_offset;
};

/* One pointer, typed for each kind, so the kernel need not cast. */
union lkm_generic {
	struct lkm_any		*lkm_any;
	struct lkm_syscall	*lkm_syscall;
	struct lkm_vfs		*lkm_vfs;
	struct lkm_dev		*lkm_dev;
	struct lkm_compat	*lkm_compat;
	struct lkm_misc		*lkm_misc;
};

/* Per module information, one slot of the kernel's module table. */
struct lkm_table {
	int	type;
	u_long	size;
	u_long	offset;
	u_long	area;
	char	used;		/* slot holds a loaded module */

	int	ver;		/* version (INIT) */
	int	refcnt;		/* reference count (INIT) */
	int	depcnt;		/* dependency count (INIT) */
	int	id;		/* identifier (INIT) */

	int	(*entry)(struct lkm_table *, int, int);	/* entry function */
	union lkm_generic private;	/* module private data */

				/* ddb support */
	u_long	syms;		/* start of symbol table */
	u_long	sym_size;	/* size of symbol table */
	u_long	sym_offset;	/* offset of next symbol chunk */
	u_long	sym_symsize;	/* size of symbol part only */
	u_long	sym_addr;	/* address of symbol table */
	int	sym_id;		/* symbol table id from ddb */
};

#define	LKM_E_LOAD	1
#define	LKM_E_UNLOAD	2
#define	LKM_E_STAT	3

/*
 * MOD_xxx(...) define the module's one static descriptor, `_module', which
 * DISPATCH hands to the kernel.  A slot of -1 asks the kernel to choose.
 */
#define	MOD_SYSCALL(name, callslot, sysentp)				\
	static struct lkm_syscall _module = {				\
		LM_SYSCALL, LKM_VERSION, name, (u_long)(callslot),	\
		sysentp							\
	}

#define	MOD_VFS(name, vfsslot, vfsopsp)					\
	static struct lkm_vfs _module = {				\
		LM_VFS, LKM_VERSION, name, (u_long)(vfsslot),		\
		vfsopsp							\
	}

#define	MOD_DEV(name, devtype, devslot, devp)				\
	static struct lkm_dev _module = {				\
		LM_DEV, LKM_VERSION, name, (u_long)(devslot),		\
		devtype, { (void *)(devp) }				\
	}

#define	MOD_COMPAT(name, compatslot, emulp)				\
	static struct lkm_compat _module = {				\
		LM_COMPAT, LKM_VERSION, name, (u_long)(compatslot),	\
		emulp							\
	}

#define	MOD_MISC(name)							\
	static struct lkm_misc _module = {				\
		LM_MISC, LKM_VERSION, name, (u_long)-1			\
	}

int	lkm_nofunc(struct lkm_table *, int);
int	lkmexists(struct lkm_table *);
int	lkmdispatch(struct lkm_table *, int);
int	lkmenodev(void);

/*
 * DISPATCH -- the whole body of a module's entry function
 *	int xxx_lkmentry(struct lkm_table *lkmtp, int cmd, int ver)
 *	{ DISPATCH(lkmtp, cmd, ver, load, unload, stat); }
 * NetBSD 1.6 semantics: a version other than LKM_VERSION is EINVAL; on
 * LKM_E_LOAD the table's `private' is pointed at _module first; then the
 * hook for cmd runs (hooks take (lkmtp, cmd); lkm_nofunc does nothing) and
 * a nonzero result is returned as is; otherwise the kernel's generic
 * lkmdispatch() installs/removes/stats the module and its result is
 * returned.  So the user hook runs BEFORE the switch slot is taken on load
 * and BEFORE it is given back on unload.
 */
#define	DISPATCH(lkmtp, cmd, ver, load, unload, stat)			\
	do {								\
		int lkm_hook_error_ = 0;				\
		if ((ver) != LKM_VERSION)				\
			return (EINVAL);	/* version mismatch */	\
		switch (cmd) {						\
		case LKM_E_LOAD:					\
			(lkmtp)->private.lkm_any =			\
			    (struct lkm_any *)&_module;			\
			lkm_hook_error_ = load((lkmtp), (cmd));		\
			break;						\
		case LKM_E_UNLOAD:					\
			lkm_hook_error_ = unload((lkmtp), (cmd));	\
			break;						\
		case LKM_E_STAT:					\
			lkm_hook_error_ = stat((lkmtp), (cmd));		\
			break;						\
		}							\
		if (lkm_hook_error_ != 0)				\
			return (lkm_hook_error_);			\
	} while (0);							\
	return (lkmdispatch((lkmtp), (cmd)))

#endif /* _KERNEL */

/****************************************************************************/

/* IOCTLs recognized by /dev/lkm (used by modload/modstat/modunload). */
#define	LMLOADBUF	_IOW('K', 1, struct lmc_loadbuf)
#define	LMUNRESRV	_IO('K', 2)
#define	LMREADY		_IOW('K', 3, u_long)
#define	LMRESERV	_IOWR('K', 4, struct lmc_resrv)
#define	LMLOAD		_IOW('K', 9, struct lmc_load)
#define	LMUNLOAD	_IOWR('K', 10, struct lmc_unload)
#define	LMSTAT		_IOWR('K', 11, struct lmc_stat)
#define	LMLOADSYMS	_IOW('K', 12, struct lmc_loadbuf)

#define	MODIOBUF	512		/* # of bytes at a time to loadbuf */

/* Reserve a page-aligned block of kernel memory for the module. */
struct lmc_resrv {
	u_long	size;		/* IN: size of module to reserve */
	char	*name;		/* IN: name (must be provided) */
	int	slot;		/* OUT: allocated slot (module ID) */
	u_long	addr;		/* OUT: link-to address */
	u_long	unused1;
	u_long	sym_size;	/* IN: total size of symbol table */
	u_long	unused2;
	u_long	sym_symsize;	/* IN: size of symbol portion */
	u_long	sym_addr;	/* OUT: address of symbol table */
};

/* Copy a buffer at a time into the reserved area; writes are contiguous. */
struct lmc_loadbuf {
	int	cnt;		/* IN: # of chars pointed to by data */
	char	*data;		/* IN: pointer to data buffer */
};

/* Load a module (assumes it's been mmapped to address before call). */
struct lmc_load {
	caddr_t	address;	/* IN: user space mmap address */
	int	status;		/* OUT: status of operation */
	int	id;		/* OUT: module ID if loaded */
};

/* Unload a module (by name if id is -1). */
struct lmc_unload {
	int	id;		/* IN: module ID to unload */
	char	*name;		/* IN: module name to unload if id -1 */
	int	status;		/* OUT: status of operation */
};

/* Get module information for a given id (or name if id == -1). */
struct lmc_stat {
	int	id;			/* IN: module ID */
	char	name[MAXLKMNAME];	/* IN/OUT: name of module */
	u_long	offset;			/* OUT: target table offset */
	MODTYPE	type;			/* OUT: type of module */
	u_long	area;			/* OUT: kernel load addr */
	u_long	size;			/* OUT: module size (KiB) */
	u_long	private;		/* OUT: module private data */
	int	ver;			/* OUT: lkm compile version */
};

#endif /* !_SYS_LKM_H_ */

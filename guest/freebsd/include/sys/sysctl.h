/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/sysctl.h>.
 *
 * Static sysctl nodes as FreeBSD 14 declares them (sys/sys/sysctl.h). Each SYSCTL_*
 * macro defines a `struct sysctl_oid' and puts its address in the linker set
 * sysctl_set; on load the kld linker registers every oid of the set under its
 * parent (oid_parent points at the parent's oid_children), on unload it removes
 * them. Parents outside the module are the kernel's own oids, referenced by symbol:
 * SYSCTL_INT(_debug, ...) needs `sysctl___debug', SYSCTL_NODE(_kern, ...) defines
 * `sysctl___kern_<name>' and references `sysctl___kern'.
 *   struct sysctl_oid  amd64: oid_children 0, oid_parent 8, oid_link 16, oid_number 40,
 *     oid_kind 44, oid_arg1 48, oid_arg2 56, oid_name 64, oid_handler 72, oid_fmt 80,
 *     oid_refcnt 88, oid_running 92, oid_descr 96, oid_label 104; size 112.
 *   i386: 0, 4, 8, 20, 24, 28, 32 (intmax_t, 4-aligned), 40, 44, 48, 52, 56, 60, 64; size 68.
 * Handlers get SYSCTL_HANDLER_ARGS and use sysctl_handle_int/long/string/opaque,
 * which copy the old value out through the request and the new one in.
 */
#ifndef _SYS_SYSCTL_H_
#define _SYS_SYSCTL_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

struct thread;

/* Top-level identifiers. */
#define	CTL_SYSCTL	0		/* "magic" numbers */
#define	CTL_KERN	1		/* "high kernel": proc, limits */
#define	CTL_VM		2		/* virtual memory */
#define	CTL_VFS		3		/* filesystem, mount type is next */
#define	CTL_NET		4		/* network, see socket.h */
#define	CTL_DEBUG	5		/* debugging parameters */
#define	CTL_HW		6		/* generic cpu/io */
#define	CTL_MACHDEP	7		/* machine dependent */
#define	CTL_USER	8		/* user-level */
#define	CTL_P1003_1B	9		/* POSIX 1003.1B */

#define	CTL_MAXNAME	24		/* largest number of components supported */

#define	CTLTYPE		0xf		/* mask for the type */
#define	CTLTYPE_NODE	1		/* name is a node */
#define	CTLTYPE_INT	2		/* name describes an integer */
#define	CTLTYPE_STRING	3		/* name describes a string */
#define	CTLTYPE_S64	4		/* name describes a signed 64-bit number */
#define	CTLTYPE_OPAQUE	5		/* name describes a structure */
#define	CTLTYPE_STRUCT	CTLTYPE_OPAQUE	/* name describes a structure */
#define	CTLTYPE_UINT	6		/* name describes an unsigned integer */
#define	CTLTYPE_LONG	7		/* name describes a long */
#define	CTLTYPE_ULONG	8		/* name describes an unsigned long */
#define	CTLTYPE_U64	9		/* name describes an unsigned 64-bit number */
#define	CTLTYPE_U8	0xa		/* name describes an unsigned 8-bit number */
#define	CTLTYPE_U16	0xb		/* name describes an unsigned 16-bit number */
#define	CTLTYPE_S8	0xc		/* name describes a signed 8-bit number */
#define	CTLTYPE_S16	0xd		/* name describes a signed 16-bit number */
#define	CTLTYPE_S32	0xe		/* name describes a signed 32-bit number */
#define	CTLTYPE_U32	0xf		/* name describes an unsigned 32-bit number */

#define	CTLFLAG_RD	0x80000000	/* Allow reads of variable */
#define	CTLFLAG_WR	0x40000000	/* Allow writes to the variable */
#define	CTLFLAG_RW	(CTLFLAG_RD|CTLFLAG_WR)
#define	CTLFLAG_DORMANT	0x20000000	/* This sysctl is not active yet */
#define	CTLFLAG_ANYBODY	0x10000000	/* All users can set this var */
#define	CTLFLAG_SECURE	0x08000000	/* Permit set only if securelevel<=0 */
#define	CTLFLAG_PRISON	0x04000000	/* Prisoned roots can fiddle */
#define	CTLFLAG_DYN	0x02000000	/* Dynamic oid - can be freed */
#define	CTLFLAG_SKIP	0x01000000	/* Skip this sysctl when listing */
#define	CTLMASK_SECURE	0x00F00000	/* Secure level */
#define	CTLFLAG_TUN	0x00080000	/* Default value is loaded from getenv() */
#define	CTLFLAG_RDTUN	(CTLFLAG_RD|CTLFLAG_TUN)
#define	CTLFLAG_RWTUN	(CTLFLAG_RW|CTLFLAG_TUN)
#define	CTLFLAG_MPSAFE	0x00040000	/* Handler is MP safe */
#define	CTLFLAG_VNET	0x00020000	/* Prisons with vnet can fiddle */
#define	CTLFLAG_DYING	0x00010000	/* Oid is being removed */
#define	CTLFLAG_CAPRD	0x00008000	/* Can be read in capability mode */
#define	CTLFLAG_CAPWR	0x00004000	/* Can be written in capability mode */
#define	CTLFLAG_STATS	0x00002000	/* Statistics, not a tuneable */
#define	CTLFLAG_NOFETCH	0x00001000	/* Don't fetch tunable from getenv() */
#define	CTLFLAG_CAPRW	(CTLFLAG_CAPRD|CTLFLAG_CAPWR)
#define	CTLFLAG_NEEDGIANT 0x00000800	/* Handler require Giant */

#define	CTLSHIFT_SECURE	20
#define	CTLFLAG_SECURE1	(CTLFLAG_SECURE | (0 << CTLSHIFT_SECURE))
#define	CTLFLAG_SECURE2	(CTLFLAG_SECURE | (1 << CTLSHIFT_SECURE))
#define	CTLFLAG_SECURE3	(CTLFLAG_SECURE | (2 << CTLSHIFT_SECURE))

/* Let the kernel pick the number. */
#define	OID_AUTO	(-1)

/* The lowest number the kernel gives an OID_AUTO oid. */
#define	CTL_AUTO_START	0x100

#ifdef _KERNEL
#include <sys/linker_set.h>

#define	SYSCTL_HANDLER_ARGS struct sysctl_oid *oidp, void *arg1,	\
	intmax_t arg2, struct sysctl_req *req

/* Definitions for the sysctl_req 'lock' field. */
#define	REQ_UNWIRED	1
#define	REQ_WIRED	2

/* Definitions for the sysctl_req 'flags' field. */
#define	SCTL_MASK32	1	/* 32 bit emulation */

/* One sysctl(2) call as a handler sees it: where the old value goes, the new one is. */
struct sysctl_req {
	struct thread	*td;		/* used for access checking */
	int		 lock;		/* wiring state */
	void		*oldptr;
	size_t		 oldlen;
	size_t		 oldidx;
	int		(*oldfunc)(struct sysctl_req *, const void *, size_t);
	const void	*newptr;
	size_t		 newlen;
	size_t		 newidx;
	int		(*newfunc)(struct sysctl_req *, void *, size_t);
	size_t		 validlen;
	int		 flags;
};

struct sysctl_oid;

/* RB Tree handling */
RB_HEAD(sysctl_oid_list, sysctl_oid);

/* One node of the sysctl tree. */
struct sysctl_oid {
	struct sysctl_oid_list oid_children;
	struct sysctl_oid_list *oid_parent;
	RB_ENTRY(sysctl_oid) oid_link;
	int		 oid_number;
	u_int		 oid_kind;
	void		*oid_arg1;
	intmax_t	 oid_arg2;
	const char	*oid_name;
	int		(*oid_handler)(SYSCTL_HANDLER_ARGS);
	const char	*oid_fmt;
	int		 oid_refcnt;
	u_int		 oid_running;
	const char	*oid_descr;
	const char	*oid_label;
};

#define	SYSCTL_IN(r, p, l)	(r->newfunc)(r, p, l)
#define	SYSCTL_OUT(r, p, l)	(r->oldfunc)(r, p, l)
#define	SYSCTL_OUT_STR(r, p)	(r->oldfunc)(r, p, strlen(p) + 1)

int sysctl_handle_bool(SYSCTL_HANDLER_ARGS);
int sysctl_handle_8(SYSCTL_HANDLER_ARGS);
int sysctl_handle_16(SYSCTL_HANDLER_ARGS);
int sysctl_handle_32(SYSCTL_HANDLER_ARGS);
int sysctl_handle_64(SYSCTL_HANDLER_ARGS);
int sysctl_handle_int(SYSCTL_HANDLER_ARGS);
int sysctl_msec_to_ticks(SYSCTL_HANDLER_ARGS);
int sysctl_handle_long(SYSCTL_HANDLER_ARGS);
int sysctl_handle_string(SYSCTL_HANDLER_ARGS);
int sysctl_handle_opaque(SYSCTL_HANDLER_ARGS);
int sysctl_handle_counter_u64(SYSCTL_HANDLER_ARGS);
int sysctl_handle_counter_u64_array(SYSCTL_HANDLER_ARGS);
int sysctl_handle_uma_zone_max(SYSCTL_HANDLER_ARGS);
int sysctl_handle_uma_zone_cur(SYSCTL_HANDLER_ARGS);
int sysctl_msec_to_sbintime(SYSCTL_HANDLER_ARGS);
int sysctl_usec_to_sbintime(SYSCTL_HANDLER_ARGS);
int sysctl_sec_to_timeval(SYSCTL_HANDLER_ARGS);
int sysctl_dpcpu_int(SYSCTL_HANDLER_ARGS);
int sysctl_dpcpu_long(SYSCTL_HANDLER_ARGS);
int sysctl_dpcpu_quad(SYSCTL_HANDLER_ARGS);

/* Typed NULL pointers for oids that export a constant instead of a variable. */
#define	SYSCTL_NULL_INT_PTR	((int *)NULL)
#define	SYSCTL_NULL_UINT_PTR	((unsigned int *)NULL)
#define	SYSCTL_NULL_LONG_PTR	((long *)NULL)
#define	SYSCTL_NULL_ULONG_PTR	((unsigned long *)NULL)

/* A node's list of children, for a parent spelled as its oid's address. */
#define	SYSCTL_CHILDREN(oid_ptr)	(&(oid_ptr)->oid_children)
#define	SYSCTL_PARENT(oid_ptr)					\
    (((oid_ptr)->oid_parent != &sysctl__children) ?		\
	__containerof((oid_ptr)->oid_parent, struct sysctl_oid,	\
	oid_children) : (struct sysctl_oid *)NULL)
#define	SYSCTL_STATIC_CHILDREN(oid_name) SYSCTL_CHILDREN(&sysctl__##oid_name)

/* The kernel's oid of a top-level or declared node. */
#define	SYSCTL_DECL(name)	extern struct sysctl_oid sysctl__##name

#define	__DESCR(d) d

/*
 * FreeBSD 14 declares this check but keeps it disabled (#ifdef notyet): a node or
 * procedure without CTLFLAG_MPSAFE still compiles, and runs under Giant.
 */
#define	SYSCTL_ENFORCE_FLAGS(x)

#define	SYSCTL_OID_RAW(id, parent_child_head, nbr, name, kind, a1, a2, handler, fmt, descr, label) \
	struct sysctl_oid id = {					\
		.oid_parent = (parent_child_head),			\
		.oid_children = RB_INITIALIZER(&id.oid_children),	\
		.oid_number = (nbr),					\
		.oid_kind = (kind),					\
		.oid_arg1 = (a1),					\
		.oid_arg2 = (a2),					\
		.oid_name = (name),					\
		.oid_handler = (handler),				\
		.oid_fmt = (fmt),					\
		.oid_descr = __DESCR(descr),				\
		.oid_label = (label),					\
	};								\
	DATA_SET(sysctl_set, id);					\
	SYSCTL_ENFORCE_FLAGS(kind)

/* A leaf oid: `static struct sysctl_oid sysctl__<parent>_<name>'. */
#define	SYSCTL_OID(parent, nbr, name, kind, a1, a2, handler, fmt, descr) \
	SYSCTL_OID_WITH_LABEL(parent, nbr, name, kind, a1, a2, handler, fmt, descr, NULL)

#define	SYSCTL_OID_WITH_LABEL(parent, nbr, name, kind, a1, a2, handler, fmt, descr, label) \
	static SYSCTL_OID_RAW(sysctl__##parent##_##name,		\
	    SYSCTL_CHILDREN(&sysctl__##parent),				\
	    nbr, #name, kind, a1, a2, handler, fmt, descr, label)

/* An oid other files can name as a parent: `struct sysctl_oid sysctl__<parent>_<name>'. */
#define	SYSCTL_OID_GLOBAL(parent, nbr, name, kind, a1, a2, handler, fmt, descr, label) \
	SYSCTL_OID_RAW(sysctl__##parent##_##name,			\
	    SYSCTL_CHILDREN(&sysctl__##parent),				\
	    nbr, #name, kind, a1, a2, handler, fmt, descr, label)

/* A node (directory). */
#define	SYSCTL_NODE(parent, nbr, name, access, handler, descr)		\
	SYSCTL_NODE_WITH_LABEL(parent, nbr, name, access, handler, descr, NULL)

#define	SYSCTL_NODE_WITH_LABEL(parent, nbr, name, access, handler, descr, label) \
	SYSCTL_OID_GLOBAL(parent, nbr, name, CTLTYPE_NODE|(access),	\
	    NULL, 0, handler, "N", descr, label);			\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_NODE,		\
	    "parameter access must be a node")

/* KLD_MODULE builds may spell the type in `access' as well (sys/sysctl.h allows it). */
#define	SYSCTL_CT_ASSERT_MASK	CTLTYPE

/* A string: read-only if `len' is 0, else a buffer of `len' bytes. */
#define	SYSCTL_STRING(parent, nbr, name, access, arg, len, descr)	\
	SYSCTL_OID(parent, nbr, name,					\
	    CTLTYPE_STRING | CTLFLAG_MPSAFE | (access),			\
	    arg, len, sysctl_handle_string, "A", descr);		\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_STRING,	\
	    "parameter access must be a string")

/* An int: `ptr' to the variable, or NULL and the constant `val'. */
#define	SYSCTL_INT(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_INT_WITH_LABEL(parent, nbr, name, access, ptr, val, descr, NULL)

#define	SYSCTL_INT_WITH_LABEL(parent, nbr, name, access, ptr, val, descr, label) \
	SYSCTL_OID_WITH_LABEL(parent, nbr, name,			\
	    CTLTYPE_INT | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_int, "I", descr, label);		\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_INT,		\
	    "parameter access must be an int");				\
	_Static_assert(sizeof(int) == sizeof(*(ptr)),			\
	    "parameter must point to an int")

#define	SYSCTL_UINT(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_OID(parent, nbr, name,					\
	    CTLTYPE_UINT | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_int, "IU", descr);			\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_UINT,		\
	    "parameter access must be an unsigned int");		\
	_Static_assert(sizeof(unsigned) == sizeof(*(ptr)),		\
	    "parameter must point to an unsigned int")

#define	SYSCTL_LONG(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_OID(parent, nbr, name,					\
	    CTLTYPE_LONG | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_long, "L", descr);			\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_LONG,		\
	    "parameter access must be a long");				\
	_Static_assert(sizeof(long) == sizeof(*(ptr)),			\
	    "parameter must point to a long")

#define	SYSCTL_ULONG(parent, nbr, name, access, ptr, val, descr)	\
	SYSCTL_OID(parent, nbr, name,					\
	    CTLTYPE_ULONG | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_long, "LU", descr);			\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_ULONG,	\
	    "parameter access must be an unsigned long");		\
	_Static_assert(sizeof(unsigned long) == sizeof(*(ptr)),		\
	    "parameter must point to an unsigned long")

#define	SYSCTL_OPAQUE(parent, nbr, name, access, ptr, len, fmt, descr)	\
	SYSCTL_OID(parent, nbr, name,					\
	    CTLTYPE_OPAQUE | CTLFLAG_MPSAFE | (access),			\
	    ptr, len, sysctl_handle_opaque, fmt, descr);		\
	_Static_assert(((access) & CTLTYPE) == 0 ||			\
	    ((access) & SYSCTL_CT_ASSERT_MASK) == CTLTYPE_OPAQUE,	\
	    "parameter access must be an opaque")

/* A procedure: the caller gives the type in `access' and the handler does the work. */
#define	SYSCTL_PROC(parent, nbr, name, access, ptr, arg, handler, fmt, descr) \
	SYSCTL_OID(parent, nbr, name, (access),				\
	    ptr, arg, handler, fmt, descr);				\
	_Static_assert(((access) & CTLTYPE) != 0,			\
	    "parameter access must have a type")

/* The kernel's top-level nodes. */
extern struct sysctl_oid_list sysctl__children;
SYSCTL_DECL(_kern);
SYSCTL_DECL(_kern_features);
SYSCTL_DECL(_kern_ipc);
SYSCTL_DECL(_kern_proc);
SYSCTL_DECL(_sysctl);
SYSCTL_DECL(_vm);
SYSCTL_DECL(_vm_stats);
SYSCTL_DECL(_vfs);
SYSCTL_DECL(_net);
SYSCTL_DECL(_debug);
SYSCTL_DECL(_debug_sizeof);
SYSCTL_DECL(_dev);
SYSCTL_DECL(_hw);
SYSCTL_DECL(_hw_bus);
SYSCTL_DECL(_machdep);
SYSCTL_DECL(_user);
SYSCTL_DECL(_compat);
SYSCTL_DECL(_regression);
SYSCTL_DECL(_security);
SYSCTL_DECL(_security_bsd);

int	sysctl_wire_old_buffer(struct sysctl_req *req, size_t len);

/*
 * Dynamic oids (FreeBSD 14 sys/sys/sysctl.h): a context remembers what was added so
 * sysctl_ctx_free can take it all down; every SYSCTL_ADD_* is sysctl_add_oid.
 */
struct sysctl_ctx_entry {
	struct sysctl_oid *entry;
	TAILQ_ENTRY(sysctl_ctx_entry) link;
};
TAILQ_HEAD(sysctl_ctx_list, sysctl_ctx_entry);

struct sysctl_oid *sysctl_add_oid(struct sysctl_ctx_list *clist,
	    struct sysctl_oid_list *parent, int nbr, const char *name, int kind,
	    void *arg1, intmax_t arg2, int (*handler)(SYSCTL_HANDLER_ARGS),
	    const char *fmt, const char *descr, const char *label);
int	sysctl_remove_oid(struct sysctl_oid *oidp, int del, int recurse);
int	sysctl_ctx_init(struct sysctl_ctx_list *clist);
int	sysctl_ctx_free(struct sysctl_ctx_list *clist);
int	sysctl_handle_bool(SYSCTL_HANDLER_ARGS);

#define	SYSCTL_ADD_OID(ctx, parent, nbr, name, kind, a1, a2, handler, fmt, descr) \
	sysctl_add_oid(ctx, parent, nbr, name, kind, a1, a2, handler, fmt,	\
	    __DESCR(descr), NULL)
#define	SYSCTL_ADD_NODE_WITH_LABEL(ctx, parent, nbr, name, access, handler, descr, label) \
	sysctl_add_oid(ctx, parent, nbr, name, CTLTYPE_NODE|(access),	\
	    NULL, 0, handler, "N", __DESCR(descr), label)
#define	SYSCTL_ADD_NODE(ctx, parent, nbr, name, access, handler, descr)	\
	SYSCTL_ADD_NODE_WITH_LABEL(ctx, parent, nbr, name, access, handler, descr, NULL)
#define	SYSCTL_ADD_STRING(ctx, parent, nbr, name, access, arg, len, descr) \
	sysctl_add_oid(ctx, parent, nbr, name, CTLTYPE_STRING|(access),	\
	    arg, len, sysctl_handle_string, "A", __DESCR(descr), NULL)
#define	SYSCTL_ADD_CONST_STRING(ctx, parent, nbr, name, access, arg, descr) \
	sysctl_add_oid(ctx, parent, nbr, name, CTLTYPE_STRING | CTLFLAG_RD |	\
	    CTLFLAG_MPSAFE | (access), __DECONST(char *, arg), 0,		\
	    sysctl_handle_string, "A", __DESCR(descr), NULL)
#define	SYSCTL_ADD_BOOL(ctx, parent, nbr, name, access, ptr, val, descr) \
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_U8 | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_bool, "CU", __DESCR(descr), NULL)
#define	SYSCTL_ADD_INT(ctx, parent, nbr, name, access, ptr, val, descr)	\
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_INT | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_int, "I", __DESCR(descr), NULL)
#define	SYSCTL_ADD_UINT(ctx, parent, nbr, name, access, ptr, val, descr) \
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_UINT | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_int, "IU", __DESCR(descr), NULL)
#define	SYSCTL_ADD_LONG(ctx, parent, nbr, name, access, ptr, descr)	\
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_LONG | CTLFLAG_MPSAFE | (access),			\
	    ptr, 0, sysctl_handle_long, "L", __DESCR(descr), NULL)
#define	SYSCTL_ADD_ULONG(ctx, parent, nbr, name, access, ptr, descr)	\
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_ULONG | CTLFLAG_MPSAFE | (access),			\
	    ptr, 0, sysctl_handle_long, "LU", __DESCR(descr), NULL)
#define	SYSCTL_ADD_S64(ctx, parent, nbr, name, access, ptr, val, descr)	\
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_S64 | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_64, "Q", __DESCR(descr), NULL)
#define	SYSCTL_ADD_U64(ctx, parent, nbr, name, access, ptr, val, descr)	\
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_U64 | CTLFLAG_MPSAFE | (access),			\
	    ptr, val, sysctl_handle_64, "QU", __DESCR(descr), NULL)
#define	SYSCTL_ADD_OPAQUE(ctx, parent, nbr, name, access, ptr, len, fmt, descr) \
	sysctl_add_oid(ctx, parent, nbr, name,				\
	    CTLTYPE_OPAQUE | CTLFLAG_MPSAFE | (access),			\
	    ptr, len, sysctl_handle_opaque, fmt, __DESCR(descr), NULL)
#define	SYSCTL_ADD_PROC(ctx, parent, nbr, name, access, ptr, arg, handler, fmt, descr) \
	sysctl_add_oid(ctx, parent, nbr, name, (access),			\
	    (ptr), (arg), (handler), (fmt), __DESCR(descr), NULL)

#endif /* _KERNEL */

#endif /* !_SYS_SYSCTL_H_ */

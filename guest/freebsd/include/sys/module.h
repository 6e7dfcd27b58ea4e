/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/module.h>.
 *
 * How a kld declares its modules to the kernel, as FreeBSD 14's sys/sys/module.h has
 * it. Everything goes through `struct mod_metadata' records {md_version (always
 * MDT_STRUCT_VERSION 1), md_type, md_data, md_cval} (16 bytes on i386, 24 on amd64)
 * whose addresses sit in the linker set modmetadata_set:
 *   MDT_MODULE  md_data -> moduledata_t {name, evhand, priv}, md_cval = module name
 *   MDT_DEPEND  md_data -> struct mod_depend {min, preferred, max}, md_cval = the
 *               module depended on
 *   MDT_VERSION md_data -> struct mod_version {version}, md_cval = module name
 * DECLARE_MODULE also adds a dependency on module "kernel" (versions
 * [__FreeBSD_version, end of the major branch]) and a SYSINIT that calls
 * module_register_init(&data), which runs the MOD_LOAD event.
 */
#ifndef _SYS_MODULE_H_
#define _SYS_MODULE_H_

#define	MDT_DEPEND	1		/* argument is a module name */
#define	MDT_MODULE	2		/* module declaration */
#define	MDT_VERSION	3		/* module version(s) */
#define	MDT_PNP_INFO	4		/* plug and play hints record */

#define	MDT_STRUCT_VERSION	1	/* version of struct mod_metadata */
#define	MDT_SETNAME	"modmetadata_set"

typedef enum modeventtype {
	MOD_LOAD,
	MOD_UNLOAD,
	MOD_SHUTDOWN,
	MOD_QUIESCE
} modeventtype_t;

typedef struct module *module_t;
typedef int (*modeventhand_t)(module_t, int /* modeventtype_t */, void *);

/* What DECLARE_MODULE registers: the module's name, event handler and its argument. */
typedef struct moduledata {
	const char	*name;
	modeventhand_t	evhand;
	void		*priv;
} moduledata_t;

/* Module-specific data reported through modstat(2). */
typedef union modspecific {
	int	intval;
	u_int	uintval;
	long	longval;
	u_long	ulongval;
} modspecific_t;

/* A dependency: any version in [min, max] will do, `preferred' is tried first. */
struct mod_depend {
	int	md_ver_minimum;
	int	md_ver_preferred;
	int	md_ver_maximum;
};

struct mod_version {
	int	mv_version;
};

struct mod_metadata {
	int		md_version;	/* MDT_STRUCT_VERSION */
	int		md_type;	/* MDT_* */
	const void	*md_data;	/* type-specific data */
	const char	*md_cval;	/* common string label */
};

struct mod_pnp_match_info {
	const char	*descr;
	const char	*bus;
	const void	*table;
	int		entry_len;
	int		num_entry;
};

#ifdef _KERNEL

#include <sys/linker_set.h>

#define	MODULE_METADATA_CONCAT(uniquifier)	_mod_metadata##uniquifier
#define	MODULE_METADATA(uniquifier, type, data, cval)			\
	static struct mod_metadata MODULE_METADATA_CONCAT(uniquifier) = {	\
		MDT_STRUCT_VERSION,					\
		type,							\
		data,							\
		cval							\
	};								\
	DATA_SET(modmetadata_set, MODULE_METADATA_CONCAT(uniquifier))

#define	MODULE_DEPEND(module, mdepend, vmin, vpref, vmax)		\
	static struct mod_depend _##module##_depend_on_##mdepend	\
	    __section(".data") = {					\
		vmin,							\
		vpref,							\
		vmax							\
	};								\
	MODULE_METADATA(_md_##module##_on_##mdepend, MDT_DEPEND,	\
	    &_##module##_depend_on_##mdepend, #mdepend)

/* The newest kernel a module built for this branch accepts: M99999 for FreeBSD M.x. */
#define	MODULE_KERNEL_MAXVER	(roundup(__FreeBSD_version, 100000) - 1)

#define	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, maxver)	\
	MODULE_DEPEND(name, kernel, __FreeBSD_version,			\
	    __FreeBSD_version, maxver);					\
	MODULE_METADATA(_md_##name, MDT_MODULE, &data, __XSTRING(name));\
	SYSINIT(name##module, sub, order, module_register_init, &data);	\
	struct __hack

#ifdef KLD_TIED
#define	DECLARE_MODULE(name, data, sub, order)				\
	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, __FreeBSD_version)
#else
#define	DECLARE_MODULE(name, data, sub, order)				\
	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, MODULE_KERNEL_MAXVER)
#endif

/* A module usable only with exactly the kernel version it was built for. */
#define	DECLARE_MODULE_TIED(name, data, sub, order)			\
	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, __FreeBSD_version)

#define	MODULE_VERSION_CONCAT(module, version)	_##module##_version
#define	MODULE_VERSION(module, version)					\
	static struct mod_version MODULE_VERSION_CONCAT(module, version)\
	    __section(".data") = {					\
		version							\
	};								\
	MODULE_METADATA(MODULE_VERSION_CONCAT(module, version), MDT_VERSION,\
	    &MODULE_VERSION_CONCAT(module, version), __XSTRING(module))

#define	MODULE_PNP_INFO(d, b, unique, t, n)				\
	static const struct mod_pnp_match_info _module_pnp_##b##_##unique = {\
		.descr = d,						\
		.bus = #b,						\
		.table = t,						\
		.entry_len = sizeof((t)[0]),				\
		.num_entry = n						\
	};								\
	MODULE_METADATA(_md_##b##_pnpinfo_##unique, MDT_PNP_INFO,	\
	    &_module_pnp_##b##_##unique, #b);

struct linker_file;

void	module_register_init(const void *);
int	module_register(const struct moduledata *, struct linker_file *);
module_t	module_lookupbyname(const char *);
module_t	module_lookupbyid(int);
int	module_quiesce(module_t);
void	module_reference(module_t);
void	module_release(module_t);
int	module_unload(module_t);
int	module_getid(module_t);
module_t	module_getfnext(module_t);
const char *	module_getname(module_t);
void	module_setspecific(module_t, modspecific_t *);
struct linker_file *module_file(module_t);

#endif /* _KERNEL */

#define	MAXMODNAME	32

struct module_stat {
	int		version;	/* sizeof(struct module_stat) */
	char		name[MAXMODNAME];
	int		refs;
	int		id;
	modspecific_t	data;
};

#endif /* !_SYS_MODULE_H_ */

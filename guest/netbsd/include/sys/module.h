/*
 * kemu guest SDK -- NetBSD 10.  <sys/module.h>: the module(9) framework.
 *
 * Provenance: NetBSD 10 sys/sys/module.h (1.48, 2021/10/24, unchanged on
 * the netbsd-10 branch) for every type, constant and prototype here.
 *
 * The record kern_module.c looks for: MODULE(class, name, required)
 * declares `static int name_modcmd(modcmd_t, void *)` (the module writes
 * it), defines `static const modinfo_t name_modinfo` with mi_version
 * __NetBSD_Version__, the class, that function, the name as a string and
 * the comma-separated required list (or NULL), and places a pointer to it
 * in the ELF section "link_set_modules" (see <sys/cdefs.h>).  The loader
 * requires that section to be exactly one pointer long.
 *   modinfo_t    mi_version mi_class mi_modcmd mi_name mi_required; size
 *     i386       0          4        8         12      16;         20
 *     amd64      0          4        8         16      24;         32
 *   modctl_load_t filename flags props propslen; size
 *     i386        0        4     8     12;      16
 *     amd64       0        8     16    24;      32
 *   modstat_t (the same for both: "intentionally the same layout"):
 *     name[32] 0, addr 32 (uint64), source 40, class 44, size 48,
 *     refcnt 52, flags 56, reqoffset 60; size 64.
 * Enumerations: classes ANY 0 MISC 1 VFS 2 DRIVER 3 EXEC 4 SECMODEL 5
 * BUFQ 6 (MAX 7); sources KERNEL 0 BOOT 1 FILESYS 2; commands INIT 0
 * FINI 1 STAT 2 AUTOUNLOAD 3 (optional ones answer ENOTTY); modctl
 * LOAD 0 UNLOAD 1 OSTAT 2 EXISTS 3 STAT 4; ml_flags LOAD_FORCE 1,
 * NO_PROP 2; mod_flags / ms_flags MUST_FORCE 1, AUTO_LOADED 2.
 */
#ifndef _SYS_MODULE_H_
#define	_SYS_MODULE_H_

#include <sys/types.h>
#include <sys/param.h>
#include <sys/cdefs.h>
#include <sys/uio.h>

#define	MAXMODNAME	32
#define	MAXMODDEPS	10

typedef enum modclass {
	MODULE_CLASS_ANY,
	MODULE_CLASS_MISC,
	MODULE_CLASS_VFS,
	MODULE_CLASS_DRIVER,
	MODULE_CLASS_EXEC,
	MODULE_CLASS_SECMODEL,
	MODULE_CLASS_BUFQ,
	MODULE_CLASS_MAX
} modclass_t;

typedef enum modsrc {
	MODULE_SOURCE_KERNEL,
	MODULE_SOURCE_BOOT,
	MODULE_SOURCE_FILESYS
} modsrc_t;

typedef enum modcmd {
	MODULE_CMD_INIT,		/* mandatory */
	MODULE_CMD_FINI,		/* mandatory */
	MODULE_CMD_STAT,		/* optional */
	MODULE_CMD_AUTOUNLOAD,		/* optional */
} modcmd_t;

#ifdef _KERNEL

#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/queue.h>
#include <sys/specificdata.h>

#include <prop/proplib.h>

typedef struct modinfo {
	u_int		mi_version;
	modclass_t	mi_class;
	int		(*mi_modcmd)(modcmd_t, void *);
	const char	*mi_name;
	const char	*mi_required;
} const modinfo_t;

struct sysctllog;

/* Per-module bookkeeping; kern_module.c's, shown for completeness. */
typedef struct module {
	u_int			mod_refcnt;
	int			mod_flags;
#define	MODFLG_MUST_FORCE	0x01
#define	MODFLG_AUTO_LOADED	0x02
	const modinfo_t		*mod_info;
	struct kobj		*mod_kobj;
	TAILQ_ENTRY(module)	mod_chain;
	struct module		*(*mod_required)[MAXMODDEPS];
	u_int			mod_nrequired;
	u_int			mod_arequired;
	modsrc_t		mod_source;
	time_t			mod_autotime;
	specificdata_reference	mod_sdref;
	struct sysctllog	*mod_sysctllog;
} module_t;

#define	_MODULE_REGISTER(name)						\
	__link_set_add_rodata(modules, __CONCAT(name,_modinfo));

#define	MODULE(class, name, required)					\
static int __CONCAT(name,_modcmd)(modcmd_t, void *);			\
static const modinfo_t __CONCAT(name,_modinfo) = {			\
	.mi_version = __NetBSD_Version__,				\
	.mi_class = (class),						\
	.mi_modcmd = __CONCAT(name,_modcmd),				\
	.mi_name = __STRING(name),					\
	.mi_required = (required)					\
};									\
_MODULE_REGISTER(name)

TAILQ_HEAD(modlist, module);

extern u_int		module_count;
extern u_int		module_builtinlist;
extern struct modlist	module_list;
extern struct modlist	module_builtins;
extern u_int		module_gen;

module_t *module_kernel(void);
const char *module_name(struct module *);
modsrc_t module_source(struct module *);
bool	module_compatible(int, int);
int	module_load(const char *, int, prop_dictionary_t, modclass_t);
int	module_builtin_add(modinfo_t * const *, size_t, bool);
int	module_builtin_remove(modinfo_t *, bool);
int	module_autoload(const char *, modclass_t);
int	module_unload(const char *);
void	module_hold(module_t *);
void	module_rele(module_t *);
int	module_find_section(const char *, void **, size_t *);
void	module_thread_kick(void);

specificdata_key_t module_specific_key_create(specificdata_key_t *,
	    specificdata_dtor_t);
void	module_specific_key_delete(specificdata_key_t);
void	*module_getspecific(module_t *, specificdata_key_t);
void	module_setspecific(module_t *, specificdata_key_t, void *);
void	*module_register_callbacks(void (*)(struct module *),
	    void (*)(struct module *));
void	module_unregister_callbacks(void *);

#define	MODULE_BASE_SIZE 64
extern char	module_base[MODULE_BASE_SIZE];
extern const char *module_machine;

#endif	/* _KERNEL */

typedef struct modctl_load {
	const char *ml_filename;

#define	MODCTL_NO_PROP		0x2
#define	MODCTL_LOAD_FORCE	0x1
	int ml_flags;

	const char *ml_props;
	size_t ml_propslen;
} modctl_load_t;

enum modctl {
	MODCTL_LOAD,		/* modctl_load_t *ml */
	MODCTL_UNLOAD,		/* char *name */
	MODCTL_OSTAT,		/* struct iovec *buffer */
	MODCTL_EXISTS,		/* enum: 0: load, 1: autoload */
	MODCTL_STAT		/* struct iovec *buffer */
};

typedef struct modstat {
	char		ms_name[MAXMODNAME];
	uint64_t	ms_addr;
	modsrc_t	ms_source;
	modclass_t	ms_class;
	u_int		ms_size;
	u_int		ms_refcnt;
	u_int		ms_flags;
	u_int		ms_reqoffset;	/* offset of the required list from
					   the start of the iovec buffer */
} modstat_t;

#endif	/* !_SYS_MODULE_H_ */

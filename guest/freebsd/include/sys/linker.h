/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/linker.h>.
 *
 * What a module may see of the kernel linker (sys/sys/linker.h): the opaque
 * linker_file_t, the symbol lookup calls, and `struct kld_file_stat', the record the
 * kldstat(2) system call fills (version = sizeof(struct kld_file_stat) selects the
 * layout; FreeBSD 14's has the pathname at the end):
 *   amd64: version 0, name 4, refs 1028, id 1032, address 1040, size 1048,
 *          pathname 1056; size 2080.   i386: ... address 1036, size 1040, pathname 1044; size 2068.
 */
#ifndef _SYS_LINKER_H_
#define _SYS_LINKER_H_

#include <sys/param.h>

#ifdef _KERNEL
#include <sys/queue.h>

struct mod_depend;
struct module;
typedef struct linker_file *linker_file_t;

struct common_symbol {
	STAILQ_ENTRY(common_symbol) link;
	char			*name;
	caddr_t			address;
};

/*
 * A loaded file as FreeBSD 14 sys/sys/linker.h lays it out (KOBJ_FIELDS is the one kobj ops
 * pointer). The kernel fills what handlers of kld_load / kld_unload_try read: refs,
 * userrefs, flags, filename, pathname, id, address, size.
 */
struct linker_file {
	void			*ops;		/* KOBJ_FIELDS */
	int			refs;		/* reference count */
	int			userrefs;	/* kldload(2) count */
	int			flags;
#define	LINKER_FILE_LINKED	0x1		/* file has been fully linked */
#define	LINKER_FILE_MODULES	0x2		/* file has >0 modules at preload */
	TAILQ_ENTRY(linker_file) link;		/* list of all loaded files */
	char			*filename;	/* file which was loaded */
	char			*pathname;	/* file name with full path */
	int			id;		/* unique id */
	caddr_t			address;	/* load address */
	size_t			size;		/* size of file */
	caddr_t			ctors_addr;	/* address of .ctors */
	size_t			ctors_size;	/* size of .ctors */
	int			ndeps;		/* number of dependencies */
	linker_file_t		*deps;		/* list of dependencies */
	STAILQ_HEAD(, common_symbol) common;	/* list of common symbols */
	TAILQ_HEAD(, module)	modules;	/* modules in this file */
	TAILQ_ENTRY(linker_file) loaded;	/* preload dependency support */
	int			loadcnt;	/* load counter value */
	int			nenabled;	/* number of enabled probes */
	int			fbt_nentries;	/* number of fbt entries created */
};

int	linker_file_lookup_set(linker_file_t _file, const char *_name,
	    void *_start, void *_stop, int *_count);
caddr_t	linker_file_lookup_symbol(linker_file_t _file, const char *_name,
	    int _deps);
int	linker_release_module(const char *_modname, struct mod_depend *_verinfo,
	    linker_file_t _lf);
int	linker_reference_module(const char *_modname, struct mod_depend *_verinfo,
	    linker_file_t *_result);
#endif

/* kldstat(2) */
struct kld_file_stat {
	int		version;	/* set to sizeof(struct kld_file_stat) */
	char		name[MAXPATHLEN];
	int		refs;
	int		id;
	caddr_t		address;	/* load address */
	size_t		size;		/* size in bytes */
	char		pathname[MAXPATHLEN];
};

struct kld_sym_lookup {
	int		version;	/* set to sizeof(struct kld_sym_lookup) */
	char		*symname;	/* Symbol name we are looking up */
	u_long		symvalue;
	size_t		symsize;
};
#define	KLDSYM_LOOKUP	1

/* Flags for kldunloadf(2). */
#define	LINKER_UNLOAD_NORMAL	0
#define	LINKER_UNLOAD_FORCE	1

#endif /* !_SYS_LINKER_H_ */

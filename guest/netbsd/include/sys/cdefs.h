/*
 * kemu guest SDK -- NetBSD 10 kernel headers for module(9) modules.
 * <sys/cdefs.h>: declaration helpers, and the ELF link-set macros.
 *
 * Provenance: names and meanings of NetBSD 10's sys/sys/cdefs.h (1.159)
 * and sys/sys/cdefs_elf.h (1.58): __CONCAT, __STRING, __BEGIN_DECLS,
 * __printflike, __section, __used, __unused, __dead, __KERNEL_RCSID,
 * and the link sets.  Only what kernel modules use is provided, written
 * for GCC and Clang.
 *
 * Link sets are what kern_module.c finds a module by: MODULE() places one
 * pointer to the module's modinfo_t in an ELF section named
 * "link_set_modules" (writable-flag-free data, pointer-aligned), through
 * __link_set_add_rodata(modules, <name>_modinfo).  Each entry is a static
 * `const void * const` object named __link_set_<set>_sym_<sym>, kept by
 * __used even though nothing refers to it.  __link_set_decl/foreach walk
 * a set between the linker-made __start_link_set_<set> and
 * __stop_link_set_<set> symbols (the kernel's side; kobj finds a module's
 * set by section name instead).
 */
#ifndef _SYS_CDEFS_H_
#define	_SYS_CDEFS_H_

#ifdef __cplusplus
#define	__BEGIN_DECLS		extern "C" {
#define	__END_DECLS		}
#else
#define	__BEGIN_DECLS
#define	__END_DECLS
#endif

#define	__P(protos)		protos
#define	___CONCAT(x, y)		x ## y
#define	__CONCAT(x, y)		___CONCAT(x, y)
#define	___STRING(x)		#x
#define	__STRING(x)		___STRING(x)

#define	__dead			__attribute__((__noreturn__))
#define	__pure			__attribute__((__pure__))
#define	__constfunc		__attribute__((__const__))
#define	__unused		__attribute__((__unused__))
#define	__used			__attribute__((__used__))
#define	__diagused		__unused
#define	__debugused		__unused
#define	__packed		__attribute__((__packed__))
#define	__aligned(x)		__attribute__((__aligned__(x)))
#define	__section(x)		__attribute__((__section__(x)))
#define	__noinline		__attribute__((__noinline__))
#define	__always_inline		__attribute__((__always_inline__))
#define	__returns_twice		__attribute__((__returns_twice__))
#define	__dso_hidden		__attribute__((__visibility__("hidden")))
#define	__printflike(fmtarg, firstvararg) \
	__attribute__((__format__(__printf__, fmtarg, firstvararg)))
#define	__sysloglike(fmtarg, firstvararg) \
	__attribute__((__format__(__printf__, fmtarg, firstvararg)))
#define	__predict_true(exp)	__builtin_expect((exp) != 0, 1)
#define	__predict_false(exp)	__builtin_expect((exp) != 0, 0)
#define	__inline		inline
#define	__restrict		restrict
#define	__UNCONST(a)		((void *)(unsigned long)(const void *)(a))
#define	__UNVOLATILE(a)		((void *)(unsigned long)(volatile void *)(a))
#define	__arraycount(__x)	(sizeof(__x) / sizeof(__x[0]))
#define	__CTASSERT(x)		_Static_assert((x), #x)
#define	__nothing		(/*LINTED*/(void)0)

/* Ident strings: the kernel keeps them in .ident; kemu needs none. */
#define	__KERNEL_RCSID(_n, _s)
#define	__KERNEL_COPYRIGHT(_n, _s)
#define	__RCSID(_s)
#define	__COPYRIGHT(_s)

/* ELF link sets (sys/cdefs_elf.h). */
#define	__link_set_make_entry(set, sym)					\
	static void const * const __link_set_##set##_sym_##sym		\
	    __section("link_set_" #set) __used = (const void *)&sym
#define	__link_set_make_entry2(set, sym, n)				\
	static void const * const __link_set_##set##_sym_##sym##_##n	\
	    __section("link_set_" #set) __used = (const void *)&sym[n]

#define	__link_set_add_text(set, sym)	__link_set_make_entry(set, sym)
#define	__link_set_add_rodata(set, sym)	__link_set_make_entry(set, sym)
#define	__link_set_add_data(set, sym)	__link_set_make_entry(set, sym)
#define	__link_set_add_bss(set, sym)	__link_set_make_entry(set, sym)
#define	__link_set_add_text2(set, sym, n)   __link_set_make_entry2(set, sym, n)
#define	__link_set_add_rodata2(set, sym, n) __link_set_make_entry2(set, sym, n)
#define	__link_set_add_data2(set, sym, n)   __link_set_make_entry2(set, sym, n)
#define	__link_set_add_bss2(set, sym, n)    __link_set_make_entry2(set, sym, n)

#define	__link_set_decl(set, ptype)					\
	extern ptype * const __start_link_set_##set[] __dso_hidden;	\
	extern ptype * const __stop_link_set_##set[] __dso_hidden
#define	__link_set_start(set)	(__start_link_set_##set)
#define	__link_set_end(set)	(__stop_link_set_##set)
#define	__link_set_count(set)	(__link_set_end(set) - __link_set_start(set))
#define	__link_set_foreach(pvar, set)					\
	for (pvar = __link_set_start(set); pvar < __link_set_end(set); pvar++)
#define	__link_set_entry(set, idx)	(__link_set_start(set)[idx])

#endif /* !_SYS_CDEFS_H_ */

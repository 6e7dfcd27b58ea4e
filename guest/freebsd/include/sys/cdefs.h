/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/cdefs.h>.
 *
 * Reproduces the compiler-attribute and token-pasting macros of FreeBSD 14's
 * sys/sys/cdefs.h that kernel modules and the other SDK headers use. Written for
 * kemu from the FreeBSD interface; only GCC-compatible compilers (gcc, clang) are
 * supported, as they are the only ones FreeBSD builds its kernel with.
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#if defined(__cplusplus)
#define __BEGIN_DECLS	extern "C" {
#define __END_DECLS	}
#else
#define __BEGIN_DECLS
#define __END_DECLS
#endif

#define __GNUCLIKE_ASM		3
#define __GNUCLIKE___SECTION	1
#define __GNUCLIKE___TYPEOF	1
#define __GNUCLIKE_BUILTIN_VARARGS	1
#define __GNUCLIKE_BUILTIN_STDARG	1
#define __GNUCLIKE_BUILTIN_VAALIST	1
#define __CC_SUPPORTS___INLINE	1
#define __CC_SUPPORTS___INLINE__	1
#define __CC_SUPPORTS___FUNC__	1
#define __CC_SUPPORTS_WARNING	1
#define __CC_SUPPORTS_VARADIC_XXX	1

#define __P(protos)	protos
#define __CONCAT1(x,y)	x ## y
#define __CONCAT(x,y)	__CONCAT1(x,y)
#define __STRING(x)	#x
#define __XSTRING(x)	__STRING(x)

#define __const		const
#define __signed	signed
#define __volatile	volatile
#define __restrict	restrict

#define __weak_symbol	__attribute__((__weak__))
#define __dead2		__attribute__((__noreturn__))
#define __pure2		__attribute__((__const__))
#define __unused	__attribute__((__unused__))
#define __used		__attribute__((__used__))
#define __packed	__attribute__((__packed__))
#define __aligned(x)	__attribute__((__aligned__(x)))
#define __section(x)	__attribute__((__section__(x)))
#define __alloc_size(x)	__attribute__((__alloc_size__(x)))
#define __alloc_size2(n, x)	__attribute__((__alloc_size__(n, x)))
#define __alloc_align(x)	__attribute__((__alloc_align__(x)))
#define __malloc_like	__attribute__((__malloc__))
#define __pure		__attribute__((__pure__))
#define __always_inline	__inline __attribute__((__always_inline__))
#define __noinline	__attribute__((__noinline__))
#define __fastcall	__attribute__((__fastcall__))
#define __result_use_check	__attribute__((__warn_unused_result__))
#define __returns_twice	__attribute__((__returns_twice__))
#define __unreachable()	__builtin_unreachable()
#define __exported	__attribute__((__visibility__("default")))
#define __hidden	__attribute__((__visibility__("hidden")))
#define __nonnull(x)	__attribute__((__nonnull__ x))
#define __nonnull_all	__attribute__((__nonnull__))
#define __nonstring	__attribute__((__nonstring__))
#define __nosanitizeaddress	__attribute__((__no_sanitize_address__))
#define __nosanitizememory
#define __nosanitizethread
#define __lockable
#define __locks_exclusive(...)
#define __locks_shared(...)
#define __trylocks_exclusive(...)
#define __trylocks_shared(...)
#define __unlocks(...)
#define __asserts_exclusive(...)
#define __asserts_shared(...)
#define __requires_exclusive(...)
#define __requires_shared(...)
#define __requires_unlocked(...)
#define __no_lock_analysis
#define __guarded_by(x)
#define __pt_guarded_by(x)

#define __inline	__inline__
#define __func__	__func__
#define __typeof(x)	__typeof__(x)

#define __predict_true(exp)	__builtin_expect((exp), 1)
#define __predict_false(exp)	__builtin_expect((exp), 0)

#define __offsetof(type, field)	__builtin_offsetof(type, field)
#define __rangeof(type, start, end) \
	(__offsetof(type, end) - __offsetof(type, start))

/* The container of a member: the struct whose `member' x points to. */
#define __containerof(x, s, m) ({					\
	const volatile __typeof(((s *)0)->m) *__x = (x);		\
	__DEQUALIFY(s *, (const volatile char *)__x - __offsetof(s, m));\
})

#define __printflike(fmtarg, firstvararg) \
	__attribute__((__format__ (__printf__, fmtarg, firstvararg)))
#define __scanflike(fmtarg, firstvararg) \
	__attribute__((__format__ (__scanf__, fmtarg, firstvararg)))
#define __format_arg(fmtarg)	__attribute__((__format_arg__ (fmtarg)))
#define __strfmonlike(fmtarg, firstvararg) \
	__attribute__((__format__ (__strfmon__, fmtarg, firstvararg)))
#define __strftimelike(fmtarg, firstvararg) \
	__attribute__((__format__ (__strftime__, fmtarg, firstvararg)))

/* Assembler-level symbol tricks used by the linker-set macros. */
#define __GLOBL(sym)	__asm__(".globl " __XSTRING(sym))
#define __WEAK(sym)	__asm__(".weak " __XSTRING(sym))
#define __weak_reference(sym,alias)	\
	__asm__(".weak " #alias);	\
	__asm__(".equ "  #alias ", " #sym)
#define __strong_reference(sym,aliassym)	\
	extern __typeof (sym) aliassym __attribute__ ((__alias__ (#sym)))
#define __warn_references(sym,msg)	struct __hack
#define __sym_compat(sym,impl,verid)	struct __hack
#define __sym_default(sym,impl,verid)	struct __hack

/* An identification string kept in the object, as __FBSDID does in FreeBSD. */
#define __IDSTRING(name,string)	static const char name[] __unused = string
#ifndef __FBSDID
#define __FBSDID(s)	struct __hack
#endif
#ifndef __RCSID
#define __RCSID(s)	struct __hack
#endif
#ifndef __SCCSID
#define __SCCSID(s)	struct __hack
#endif
#ifndef __COPYRIGHT
#define __COPYRIGHT(s)	struct __hack
#endif

#define __DECONST(type, var)	((type)(__uintptr_t)(const void *)(var))
#define __DEVOLATILE(type, var)	((type)(__uintptr_t)(volatile void *)(var))
#define __DEQUALIFY(type, var)	((type)(__uintptr_t)(const volatile void *)(var))

#define __generic(expr, t, yes, no)	_Generic(expr, t: yes, default: no)

/* gcc and clang accept _Static_assert, _Alignas and _Noreturn in C99 mode too. */
#ifndef __has_feature
#define __has_feature(x)	0
#endif
#ifndef __has_extension
#define __has_extension		__has_feature
#endif

#define __BSD_VISIBLE		1
#define __POSIX_VISIBLE		200809
#define __XSI_VISIBLE		700
#define __ISO_C_VISIBLE		2011
#define __EXT1_VISIBLE		0

#endif /* !_SYS_CDEFS_H_ */

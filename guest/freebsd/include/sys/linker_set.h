/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/linker_set.h>.
 *
 * A linker set is an ELF section named "set_<name>" holding pointers, one per member;
 * the linker brackets it with __start_set_<name> and __stop_set_<name>. The kld linker
 * (kern_linker.c, link_elf_obj.c) finds modmetadata_set, sysinit_set, sysuninit_set and
 * sysctl_set by these section names and reads the pointers, so each member must be
 * exactly one pointer, in a section of that exact name, kept even if unreferenced.
 * As in FreeBSD 14: DATA_SET members are const pointers (the section is read-only),
 * DATA_WSET members (SYSINIT/SYSUNINIT) writable ones, and the bracket symbols are
 * declared weak so a set nobody fills still links.
 */
#ifndef _SYS_LINKER_SET_H_
#define _SYS_LINKER_SET_H_

#include <sys/cdefs.h>

#define	__MAKE_SET_QV(set, sym, qv)				\
	__WEAK(__CONCAT(__start_set_,set));			\
	__WEAK(__CONCAT(__stop_set_,set));			\
	static void const * qv					\
	__set_##set##_sym_##sym __section("set_" #set)		\
	__used = &(sym)
#define	__MAKE_SET_CONST	const
#define	__MAKE_SET(set, sym)	__MAKE_SET_QV(set, sym, __MAKE_SET_CONST)

#define	TEXT_SET(set, sym)	__MAKE_SET(set, sym)
#define	DATA_SET(set, sym)	__MAKE_SET(set, sym)
#define	DATA_WSET(set, sym)	__MAKE_SET_QV(set, sym, )
#define	BSS_SET(set, sym)	__MAKE_SET(set, sym)
#define	ABS_SET(set, sym)	__MAKE_SET(set, sym)
#define	SET_ENTRY(set, sym)	__MAKE_SET(set, sym)

#define	SET_DECLARE(set, ptype)					\
	extern ptype __weak_symbol *__CONCAT(__start_set_,set);	\
	extern ptype __weak_symbol *__CONCAT(__stop_set_,set)
#define	SET_BEGIN(set)		(&__CONCAT(__start_set_,set))
#define	SET_LIMIT(set)		(&__CONCAT(__stop_set_,set))
#define	SET_FOREACH(pvar, set)					\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)
#define	SET_ITEM(set, i)	((SET_BEGIN(set))[i])
#define	SET_COUNT(set)		(SET_LIMIT(set) - SET_BEGIN(set))

#endif /* !_SYS_LINKER_SET_H_ */

/*
 * kemu guest SDK -- NetBSD 10.  <sys/cdefs_elf.h>: the ELF link-set
 * macros live in <sys/cdefs.h> here (NetBSD's cdefs.h includes this file);
 * code that includes this header directly gets the same definitions.
 */
#include <sys/cdefs.h>

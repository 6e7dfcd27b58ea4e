/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <lib/libkern/libkern.h>: the kernel's little C library.
 *
 * Provenance: NetBSD 1.6 sys/lib/libkern/libkern.h — the min/max family as
 * static inline functions, and the string/memory routines a module links
 * against (they are kernel symbols, resolved by kemu's kernel, because the
 * SDK compiles with -fno-builtin).
 */
#ifndef _LIB_LIBKERN_LIBKERN_H_
#define	_LIB_LIBKERN_LIBKERN_H_

#include <sys/types.h>

static __inline int imax(int a, int b) { return (a > b ? a : b); }
static __inline int imin(int a, int b) { return (a < b ? a : b); }
static __inline long lmax(long a, long b) { return (a > b ? a : b); }
static __inline long lmin(long a, long b) { return (a < b ? a : b); }
static __inline u_int max(u_int a, u_int b) { return (a > b ? a : b); }
static __inline u_int min(u_int a, u_int b) { return (a < b ? a : b); }
static __inline u_long ulmax(u_long a, u_long b) { return (a > b ? a : b); }
static __inline u_long ulmin(u_long a, u_long b) { return (a < b ? a : b); }

void	*memcpy(void *, const void *, size_t);
void	*memmove(void *, const void *, size_t);
void	*memset(void *, int, size_t);
int	 memcmp(const void *, const void *, size_t);
size_t	 strlen(const char *);
int	 strcmp(const char *, const char *);
int	 strncmp(const char *, const char *, size_t);
char	*strcpy(char *, const char *);
char	*strncpy(char *, const char *, size_t);
char	*strcat(char *, const char *);
int	 ffs(int);

#endif /* !_LIB_LIBKERN_LIBKERN_H_ */

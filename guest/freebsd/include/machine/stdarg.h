/* kemu guest SDK for FreeBSD 14.3 klds: <machine/stdarg.h>. */
#include <sys/_stdarg.h>

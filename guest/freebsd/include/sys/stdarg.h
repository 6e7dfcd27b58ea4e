/* kemu guest SDK for FreeBSD 14.3 klds: <sys/stdarg.h>. */
#include <sys/_stdarg.h>

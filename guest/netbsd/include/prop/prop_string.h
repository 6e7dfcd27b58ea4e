/*
 * kemu guest SDK -- NetBSD 10.  <prop/prop_string.h>: strings.
 * prop_string_value is NetBSD 10's accessor (a pointer to the object's
 * own NUL-terminated bytes); prop_string_cstring_nocopy is its older name.
 */
#ifndef _PROPLIB_PROP_STRING_H_
#define	_PROPLIB_PROP_STRING_H_

#include <prop/prop_object.h>

typedef struct _prop_string *prop_string_t;

prop_string_t	prop_string_create_copy(const char *);
prop_string_t	prop_string_create_nocopy(const char *);
size_t		prop_string_size(prop_string_t);
const char *	prop_string_value(prop_string_t);
bool		prop_string_equals(prop_string_t, prop_string_t);
bool		prop_string_equals_string(prop_string_t, const char *);

/* Deprecated in NetBSD 10, still provided. */
const char *	prop_string_cstring_nocopy(prop_string_t);
size_t		prop_string_length(prop_string_t);

#endif /* !_PROPLIB_PROP_STRING_H_ */

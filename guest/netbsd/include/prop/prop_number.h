/*
 * kemu guest SDK -- NetBSD 10.  <prop/prop_number.h>: numbers.  NetBSD 10
 * names the value accessors *_signed_value / *_unsigned_value (intmax_t);
 * the older prop_number_integer_value (int64_t) remains.
 */
#ifndef _PROPLIB_PROP_NUMBER_H_
#define	_PROPLIB_PROP_NUMBER_H_

#include <prop/prop_object.h>

typedef struct _prop_number *prop_number_t;

prop_number_t	prop_number_create_signed(intmax_t);
prop_number_t	prop_number_create_unsigned(uintmax_t);
prop_number_t	prop_number_copy(prop_number_t);
int		prop_number_size(prop_number_t);
bool		prop_number_unsigned(prop_number_t);
intmax_t	prop_number_signed_value(prop_number_t);
uintmax_t	prop_number_unsigned_value(prop_number_t);
bool		prop_number_int32_value(prop_number_t, int32_t *);
bool		prop_number_uint32_value(prop_number_t, uint32_t *);
bool		prop_number_int64_value(prop_number_t, int64_t *);
bool		prop_number_uint64_value(prop_number_t, uint64_t *);
bool		prop_number_equals(prop_number_t, prop_number_t);
bool		prop_number_equals_signed(prop_number_t, intmax_t);
bool		prop_number_equals_unsigned(prop_number_t, uintmax_t);

/* Deprecated in NetBSD 10, still provided. */
prop_number_t	prop_number_create_integer(int64_t);
prop_number_t	prop_number_create_unsigned_integer(uint64_t);
int64_t		prop_number_integer_value(prop_number_t);
uint64_t	prop_number_unsigned_integer_value(prop_number_t);

#endif /* !_PROPLIB_PROP_NUMBER_H_ */

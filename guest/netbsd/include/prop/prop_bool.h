/* kemu guest SDK -- NetBSD 10.  <prop/prop_bool.h>: booleans. */
#ifndef _PROPLIB_PROP_BOOL_H_
#define	_PROPLIB_PROP_BOOL_H_

#include <prop/prop_object.h>

typedef struct _prop_bool *prop_bool_t;

prop_bool_t	prop_bool_create(bool);
prop_bool_t	prop_bool_copy(prop_bool_t);
bool		prop_bool_true(prop_bool_t);
bool		prop_bool_equals(prop_bool_t, prop_bool_t);

#endif /* !_PROPLIB_PROP_BOOL_H_ */

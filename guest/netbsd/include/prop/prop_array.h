/* kemu guest SDK -- NetBSD 10.  <prop/prop_array.h> (subset): arrays. */
#ifndef _PROPLIB_PROP_ARRAY_H_
#define	_PROPLIB_PROP_ARRAY_H_

#include <prop/prop_object.h>

typedef struct _prop_array *prop_array_t;

prop_array_t	prop_array_create(void);
unsigned int	prop_array_count(prop_array_t);
prop_object_t	prop_array_get(prop_array_t, unsigned int);
bool		prop_array_add(prop_array_t, prop_object_t);
prop_object_iterator_t prop_array_iterator(prop_array_t);

#endif /* !_PROPLIB_PROP_ARRAY_H_ */

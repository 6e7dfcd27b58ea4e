/* kemu guest SDK -- NetBSD 10.  <prop/prop_data.h> (subset): byte strings. */
#ifndef _PROPLIB_PROP_DATA_H_
#define	_PROPLIB_PROP_DATA_H_

#include <prop/prop_object.h>

typedef struct _prop_data *prop_data_t;

prop_data_t	prop_data_create_copy(const void *, size_t);
size_t		prop_data_size(prop_data_t);
const void *	prop_data_value(prop_data_t);

#endif /* !_PROPLIB_PROP_DATA_H_ */

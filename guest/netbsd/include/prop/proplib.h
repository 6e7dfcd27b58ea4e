/*
 * kemu guest SDK -- NetBSD 10.  <prop/proplib.h>: property lists, the
 * dictionaries kern_module.c hands a module's MODULE_CMD_INIT (the
 * module's NAME.plist merged with the caller's properties, or NULL).
 *
 * Provenance: NetBSD 10 common/include/prop/prop_(object,dictionary,...).h (the 2020 libprop
 * revision): opaque handles, the object calls, and the dictionary
 * "utility" getters and setters a module uses on its properties --
 * prop_dictionary_get_int32(dict, key, &v), get_bool, get_string
 * (NetBSD 10's names; the older *_cstring* ones are kept, deprecated, as
 * NetBSD 10 keeps them).  Each getter returns false when the key is
 * missing or holds another type (or, for numbers, a value out of range
 * for the requested width) and leaves *valp alone.
 */
#ifndef _PROPLIB_PROPLIB_H_
#define	_PROPLIB_PROPLIB_H_

#include <prop/prop_object.h>
#include <prop/prop_array.h>
#include <prop/prop_bool.h>
#include <prop/prop_data.h>
#include <prop/prop_dictionary.h>
#include <prop/prop_number.h>
#include <prop/prop_string.h>

#endif /* !_PROPLIB_PROPLIB_H_ */

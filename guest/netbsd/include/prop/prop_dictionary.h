/*
 * kemu guest SDK -- NetBSD 10.  <prop/prop_dictionary.h>: dictionaries,
 * and the typed utility accessors modules use on their properties.
 */
#ifndef _PROPLIB_PROP_DICTIONARY_H_
#define	_PROPLIB_PROP_DICTIONARY_H_

#include <prop/prop_object.h>
#include <prop/prop_array.h>
#include <prop/prop_data.h>

typedef struct _prop_dictionary *prop_dictionary_t;
typedef struct _prop_dictionary_keysym *prop_dictionary_keysym_t;

prop_dictionary_t prop_dictionary_create(void);
prop_dictionary_t prop_dictionary_create_with_capacity(unsigned int);
prop_dictionary_t prop_dictionary_copy(prop_dictionary_t);
unsigned int	prop_dictionary_count(prop_dictionary_t);
prop_object_iterator_t prop_dictionary_iterator(prop_dictionary_t);
prop_array_t	prop_dictionary_all_keys(prop_dictionary_t);
prop_object_t	prop_dictionary_get(prop_dictionary_t, const char *);
bool		prop_dictionary_set(prop_dictionary_t, const char *,
		    prop_object_t);
void		prop_dictionary_remove(prop_dictionary_t, const char *);
prop_object_t	prop_dictionary_get_keysym(prop_dictionary_t,
		    prop_dictionary_keysym_t);
const char *	prop_dictionary_keysym_value(prop_dictionary_keysym_t);
char *		prop_dictionary_externalize(prop_dictionary_t);
prop_dictionary_t prop_dictionary_internalize(const char *);

/* Utility accessors: false when the key is absent or of another type. */
bool	prop_dictionary_get_dict(prop_dictionary_t, const char *,
	    prop_dictionary_t *);
bool	prop_dictionary_get_bool(prop_dictionary_t, const char *, bool *);
bool	prop_dictionary_set_bool(prop_dictionary_t, const char *, bool);
bool	prop_dictionary_get_schar(prop_dictionary_t, const char *,
	    signed char *);
bool	prop_dictionary_get_uchar(prop_dictionary_t, const char *,
	    unsigned char *);
bool	prop_dictionary_get_short(prop_dictionary_t, const char *, short *);
bool	prop_dictionary_get_ushort(prop_dictionary_t, const char *,
	    unsigned short *);
bool	prop_dictionary_get_int(prop_dictionary_t, const char *, int *);
bool	prop_dictionary_get_uint(prop_dictionary_t, const char *,
	    unsigned int *);
bool	prop_dictionary_get_long(prop_dictionary_t, const char *, long *);
bool	prop_dictionary_get_ulong(prop_dictionary_t, const char *,
	    unsigned long *);
bool	prop_dictionary_get_longlong(prop_dictionary_t, const char *,
	    long long *);
bool	prop_dictionary_get_ulonglong(prop_dictionary_t, const char *,
	    unsigned long long *);
bool	prop_dictionary_get_int8(prop_dictionary_t, const char *, int8_t *);
bool	prop_dictionary_get_uint8(prop_dictionary_t, const char *, uint8_t *);
bool	prop_dictionary_get_int16(prop_dictionary_t, const char *, int16_t *);
bool	prop_dictionary_get_uint16(prop_dictionary_t, const char *,
	    uint16_t *);
bool	prop_dictionary_get_int32(prop_dictionary_t, const char *, int32_t *);
bool	prop_dictionary_get_uint32(prop_dictionary_t, const char *,
	    uint32_t *);
bool	prop_dictionary_get_int64(prop_dictionary_t, const char *, int64_t *);
bool	prop_dictionary_get_uint64(prop_dictionary_t, const char *,
	    uint64_t *);
bool	prop_dictionary_set_int(prop_dictionary_t, const char *, int);
bool	prop_dictionary_set_uint(prop_dictionary_t, const char *,
	    unsigned int);
bool	prop_dictionary_set_int32(prop_dictionary_t, const char *, int32_t);
bool	prop_dictionary_set_uint32(prop_dictionary_t, const char *, uint32_t);
bool	prop_dictionary_set_int64(prop_dictionary_t, const char *, int64_t);
bool	prop_dictionary_set_uint64(prop_dictionary_t, const char *, uint64_t);
bool	prop_dictionary_get_string(prop_dictionary_t, const char *,
	    const char **);
bool	prop_dictionary_set_string(prop_dictionary_t, const char *,
	    const char *);
bool	prop_dictionary_set_string_nocopy(prop_dictionary_t, const char *,
	    const char *);
bool	prop_dictionary_get_data(prop_dictionary_t, const char *,
	    const void **, size_t *);

/* Deprecated in NetBSD 10, still provided. */
bool	prop_dictionary_get_cstring(prop_dictionary_t, const char *, char **);
bool	prop_dictionary_get_cstring_nocopy(prop_dictionary_t, const char *,
	    const char **);
bool	prop_dictionary_set_cstring(prop_dictionary_t, const char *,
	    const char *);

#endif /* !_PROPLIB_PROP_DICTIONARY_H_ */

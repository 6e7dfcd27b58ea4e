/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/tree.h>, the red-black tree head and entry.
 *
 * Only the layouts are reproduced: FreeBSD 14 embeds an RB_HEAD (one root pointer) and
 * an RB_ENTRY (three link pointers, the colour kept in the parent pointer's low bits)
 * in every struct sysctl_oid; static sysctl nodes initialise them with RB_INITIALIZER.
 */
#ifndef _SYS_TREE_H_
#define _SYS_TREE_H_

#include <sys/cdefs.h>

#define	RB_HEAD(name, type)	struct name { struct type *rbh_root; }
#define	RB_INITIALIZER(root)	{ NULL }
#define	RB_INIT(root) do { (root)->rbh_root = NULL; } while (0)
#define	RB_ENTRY(type)		struct { struct type *rbe_link[3]; }
#define	RB_ROOT(head)		(head)->rbh_root
#define	RB_EMPTY(head)		(RB_ROOT(head) == NULL)

#endif /* !_SYS_TREE_H_ */

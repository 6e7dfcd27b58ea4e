/*
 * kemu guest SDK -- NetBSD 10.  <sys/queue.h>: the list macros the other
 * headers' structures use (LIST, SLIST, TAILQ heads and entries, and the
 * common operations).
 *
 * Provenance: NetBSD 10 sys/sys/queue.h (1.76): member names and layouts
 * (TAILQ_ENTRY is {tqe_next, tqe_prev}, TAILQ_HEAD {tqh_first, tqh_last}).
 */
#ifndef _SYS_QUEUE_H_
#define	_SYS_QUEUE_H_

#define	LIST_HEAD(name, type)						\
struct name {								\
	struct type *lh_first;						\
}
#define	LIST_HEAD_INITIALIZER(head)	{ NULL }
#define	LIST_ENTRY(type)						\
struct {								\
	struct type *le_next;						\
	struct type **le_prev;						\
}
#define	LIST_FIRST(head)		((head)->lh_first)
#define	LIST_NEXT(elm, field)		((elm)->field.le_next)
#define	LIST_EMPTY(head)		((head)->lh_first == NULL)
#define	LIST_INIT(head)			do { (head)->lh_first = NULL; } while (0)
#define	LIST_FOREACH(var, head, field)					\
	for ((var) = ((head)->lh_first); (var) != NULL;			\
	    (var) = ((var)->field.le_next))
#define	LIST_INSERT_HEAD(head, elm, field) do {				\
	if (((elm)->field.le_next = (head)->lh_first) != NULL)		\
		(head)->lh_first->field.le_prev = &(elm)->field.le_next;\
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (0)
#define	LIST_REMOVE(elm, field) do {					\
	if ((elm)->field.le_next != NULL)				\
		(elm)->field.le_next->field.le_prev =			\
		    (elm)->field.le_prev;				\
	*(elm)->field.le_prev = (elm)->field.le_next;			\
} while (0)

#define	SLIST_HEAD(name, type)						\
struct name {								\
	struct type *slh_first;						\
}
#define	SLIST_HEAD_INITIALIZER(head)	{ NULL }
#define	SLIST_ENTRY(type)						\
struct {								\
	struct type *sle_next;						\
}

#define	TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;						\
	struct type **tqh_last;						\
}
#define	TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }
#define	TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}
#define	TAILQ_FIRST(head)		((head)->tqh_first)
#define	TAILQ_NEXT(elm, field)		((elm)->field.tqe_next)
#define	TAILQ_EMPTY(head)		((head)->tqh_first == NULL)
#define	TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)
#define	TAILQ_FOREACH(var, head, field)					\
	for ((var) = ((head)->tqh_first); (var) != NULL;		\
	    (var) = ((var)->field.tqe_next))
#define	TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)
#define	TAILQ_REMOVE(head, elm, field) do {				\
	if (((elm)->field.tqe_next) != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev =			\
		    (elm)->field.tqe_prev;				\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = (elm)->field.tqe_next;			\
} while (0)

#endif /* !_SYS_QUEUE_H_ */

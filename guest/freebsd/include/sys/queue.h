/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/queue.h>.
 *
 * The BSD list macros (SLIST, STAILQ, LIST, TAILQ) with FreeBSD's field layout: a head
 * is one pointer (plus a last-pointer for STAILQ/TAILQ), an entry is a next pointer
 * plus, for LIST and TAILQ, the address of the previous element's next pointer. Only
 * the layout matters to kemu (struct cdev and struct cdevsw embed these); the
 * operations are the usual ones.
 */
#ifndef _SYS_QUEUE_H_
#define _SYS_QUEUE_H_

#include <sys/cdefs.h>

#define	QMD_SAVELINK(name, link)
#define	TRASHIT(x)

/* Singly-linked list. */
#define	SLIST_HEAD(name, type)		struct name { struct type *slh_first; }
#define	SLIST_CLASS_HEAD(name, type)	struct name { class type *slh_first; }
#define	SLIST_HEAD_INITIALIZER(head)	{ NULL }
#define	SLIST_ENTRY(type)		struct { struct type *sle_next; }
#define	SLIST_EMPTY(head)		((head)->slh_first == NULL)
#define	SLIST_FIRST(head)		((head)->slh_first)
#define	SLIST_NEXT(elm, field)		((elm)->field.sle_next)
#define	SLIST_INIT(head)		do { SLIST_FIRST(head) = NULL; } while (0)
#define	SLIST_FOREACH(var, head, field)					\
	for ((var) = SLIST_FIRST(head); (var); (var) = SLIST_NEXT((var), field))
#define	SLIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = SLIST_FIRST(head);					\
	    (var) && ((tvar) = SLIST_NEXT((var), field), 1);		\
	    (var) = (tvar))
#define	SLIST_INSERT_HEAD(head, elm, field) do {			\
	SLIST_NEXT((elm), field) = SLIST_FIRST(head);			\
	SLIST_FIRST(head) = (elm);					\
} while (0)
#define	SLIST_INSERT_AFTER(slistelm, elm, field) do {			\
	SLIST_NEXT((elm), field) = SLIST_NEXT((slistelm), field);	\
	SLIST_NEXT((slistelm), field) = (elm);				\
} while (0)
#define	SLIST_REMOVE_HEAD(head, field) do {				\
	SLIST_FIRST(head) = SLIST_NEXT(SLIST_FIRST(head), field);	\
} while (0)
#define	SLIST_REMOVE_AFTER(elm, field) do {				\
	SLIST_NEXT(elm, field) =					\
	    SLIST_NEXT(SLIST_NEXT(elm, field), field);			\
} while (0)
#define	SLIST_REMOVE(head, elm, type, field) do {			\
	if (SLIST_FIRST(head) == (elm)) {				\
		SLIST_REMOVE_HEAD((head), field);			\
	} else {							\
		struct type *_cur = SLIST_FIRST(head);			\
		while (SLIST_NEXT(_cur, field) != (elm))		\
			_cur = SLIST_NEXT(_cur, field);			\
		SLIST_REMOVE_AFTER(_cur, field);			\
	}								\
} while (0)

/* Singly-linked tail queue. */
#define	STAILQ_HEAD(name, type)						\
	struct name { struct type *stqh_first; struct type **stqh_last; }
#define	STAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).stqh_first }
#define	STAILQ_ENTRY(type)		struct { struct type *stqe_next; }
#define	STAILQ_EMPTY(head)		((head)->stqh_first == NULL)
#define	STAILQ_FIRST(head)		((head)->stqh_first)
#define	STAILQ_NEXT(elm, field)		((elm)->field.stqe_next)
#define	STAILQ_INIT(head) do {						\
	STAILQ_FIRST(head) = NULL;					\
	(head)->stqh_last = &STAILQ_FIRST(head);			\
} while (0)
#define	STAILQ_FOREACH(var, head, field)				\
	for ((var) = STAILQ_FIRST(head); (var); (var) = STAILQ_NEXT((var), field))
#define	STAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = STAILQ_FIRST(head);				\
	    (var) && ((tvar) = STAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#define	STAILQ_INSERT_HEAD(head, elm, field) do {			\
	if ((STAILQ_NEXT((elm), field) = STAILQ_FIRST(head)) == NULL)	\
		(head)->stqh_last = &STAILQ_NEXT((elm), field);		\
	STAILQ_FIRST(head) = (elm);					\
} while (0)
#define	STAILQ_INSERT_TAIL(head, elm, field) do {			\
	STAILQ_NEXT((elm), field) = NULL;				\
	*(head)->stqh_last = (elm);					\
	(head)->stqh_last = &STAILQ_NEXT((elm), field);			\
} while (0)
#define	STAILQ_REMOVE_HEAD(head, field) do {				\
	if ((STAILQ_FIRST(head) =					\
	    STAILQ_NEXT(STAILQ_FIRST(head), field)) == NULL)		\
		(head)->stqh_last = &STAILQ_FIRST(head);		\
} while (0)

/* Doubly-linked list. */
#define	LIST_HEAD(name, type)		struct name { struct type *lh_first; }
#define	LIST_HEAD_INITIALIZER(head)	{ NULL }
#define	LIST_ENTRY(type)						\
	struct { struct type *le_next; struct type **le_prev; }
#define	LIST_EMPTY(head)		((head)->lh_first == NULL)
#define	LIST_FIRST(head)		((head)->lh_first)
#define	LIST_NEXT(elm, field)		((elm)->field.le_next)
#define	LIST_INIT(head) do { LIST_FIRST((head)) = NULL; } while (0)
#define	LIST_FOREACH(var, head, field)					\
	for ((var) = LIST_FIRST((head)); (var); (var) = LIST_NEXT((var), field))
#define	LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST((head));				\
	    (var) && ((tvar) = LIST_NEXT((var), field), 1);		\
	    (var) = (tvar))
#define	LIST_INSERT_HEAD(head, elm, field) do {				\
	if ((LIST_NEXT((elm), field) = LIST_FIRST((head))) != NULL)	\
		LIST_FIRST((head))->field.le_prev = &LIST_NEXT((elm), field);\
	LIST_FIRST((head)) = (elm);					\
	(elm)->field.le_prev = &LIST_FIRST((head));			\
} while (0)
#define	LIST_INSERT_AFTER(listelm, elm, field) do {			\
	if ((LIST_NEXT((elm), field) = LIST_NEXT((listelm), field)) != NULL)\
		LIST_NEXT((listelm), field)->field.le_prev =		\
		    &LIST_NEXT((elm), field);				\
	LIST_NEXT((listelm), field) = (elm);				\
	(elm)->field.le_prev = &LIST_NEXT((listelm), field);		\
} while (0)
#define	LIST_REMOVE(elm, field) do {					\
	if (LIST_NEXT((elm), field) != NULL)				\
		LIST_NEXT((elm), field)->field.le_prev =		\
		    (elm)->field.le_prev;				\
	*(elm)->field.le_prev = LIST_NEXT((elm), field);		\
} while (0)

/* Tail queue. */
#define	TAILQ_HEAD(name, type)						\
	struct name { struct type *tqh_first; struct type **tqh_last; }
#define	TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }
#define	TAILQ_ENTRY(type)						\
	struct { struct type *tqe_next; struct type **tqe_prev; }
#define	TAILQ_EMPTY(head)		((head)->tqh_first == NULL)
#define	TAILQ_FIRST(head)		((head)->tqh_first)
#define	TAILQ_NEXT(elm, field)		((elm)->field.tqe_next)
#define	TAILQ_INIT(head) do {						\
	TAILQ_FIRST((head)) = NULL;					\
	(head)->tqh_last = &TAILQ_FIRST((head));			\
} while (0)
#define	TAILQ_FOREACH(var, head, field)					\
	for ((var) = TAILQ_FIRST((head)); (var); (var) = TAILQ_NEXT((var), field))
#define	TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#define	TAILQ_INSERT_HEAD(head, elm, field) do {			\
	if ((TAILQ_NEXT((elm), field) = TAILQ_FIRST((head))) != NULL)	\
		TAILQ_FIRST((head))->field.tqe_prev =			\
		    &TAILQ_NEXT((elm), field);				\
	else								\
		(head)->tqh_last = &TAILQ_NEXT((elm), field);		\
	TAILQ_FIRST((head)) = (elm);					\
	(elm)->field.tqe_prev = &TAILQ_FIRST((head));			\
} while (0)
#define	TAILQ_INSERT_TAIL(head, elm, field) do {			\
	TAILQ_NEXT((elm), field) = NULL;				\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &TAILQ_NEXT((elm), field);			\
} while (0)
#define	TAILQ_REMOVE(head, elm, field) do {				\
	if ((TAILQ_NEXT((elm), field)) != NULL)				\
		TAILQ_NEXT((elm), field)->field.tqe_prev =		\
		    (elm)->field.tqe_prev;				\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = TAILQ_NEXT((elm), field);		\
} while (0)

#endif /* !_SYS_QUEUE_H_ */

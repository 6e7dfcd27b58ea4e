/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/ktr.h>.
 *
 * Kernel event tracing. GENERIC release kernels are built without `options KTR`, so the
 * CTR* trace points compile to nothing, as here. KTR_EVH is the class eventhandler(9)
 * traces under.
 */
#ifndef _SYS_KTR_H_
#define _SYS_KTR_H_

#define	KTR_GEN		0x00000001
#define	KTR_EVH		0x00100000

#define	CTR0(m, format)					do { } while (0)
#define	CTR1(m, format, p1)				do { } while (0)
#define	CTR2(m, format, p1, p2)				do { } while (0)
#define	CTR3(m, format, p1, p2, p3)			do { } while (0)
#define	CTR4(m, format, p1, p2, p3, p4)			do { } while (0)
#define	CTR5(m, format, p1, p2, p3, p4, p5)		do { } while (0)
#define	CTR6(m, format, p1, p2, p3, p4, p5, p6)		do { } while (0)

#endif /* !_SYS_KTR_H_ */

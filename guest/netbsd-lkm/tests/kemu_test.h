/*
 * kemu_test.h -- helpers shared by kemu's test modules (not a NetBSD header).
 *
 * KEMU_NAMED_FRAME keeps a function as its own, plainly named frame: not
 * inlined into its caller and (GCC) not cloned as name.constprop.0, so an
 * oops report, a backtrace or a budget stop inside it names the function a
 * test expects.  Clang has no noclone attribute and does not need one.
 */
#ifndef _KEMU_TEST_H_
#define	_KEMU_TEST_H_

#if defined(__clang__)
#define	KEMU_NAMED_FRAME	__attribute__((__noinline__))
#else
#define	KEMU_NAMED_FRAME	__attribute__((__noinline__, __noclone__))
#endif

#endif /* !_KEMU_TEST_H_ */

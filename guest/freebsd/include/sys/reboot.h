/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/reboot.h>.
 *
 * The howto bits of reboot(2) and kern_reboot(9), as FreeBSD 14 sys/sys/reboot.h defines
 * them; shutdown event handlers (shutdown_pre_sync, shutdown_post_sync, shutdown_final)
 * receive them as their second argument.
 */
#ifndef _SYS_REBOOT_H_
#define _SYS_REBOOT_H_

#define	RB_AUTOBOOT	0	/* flags for system auto-booting itself */

#define	RB_ASKNAME	0x001	/* force prompt of device of root filesystem */
#define	RB_SINGLE	0x002	/* reboot to single user only */
#define	RB_NOSYNC	0x004	/* dont sync before reboot */
#define	RB_HALT		0x008	/* don't reboot, just halt */
#define	RB_INITNAME	0x010	/* Unused placeholder to specify init path */
#define	RB_DFLTROOT	0x020	/* use compiled-in rootdev */
#define	RB_KDB		0x040	/* give control to kernel debugger */
#define	RB_RDONLY	0x080	/* mount root fs read-only */
#define	RB_DUMP		0x100	/* dump kernel memory before reboot */
#define	RB_MINIROOT	0x200	/* Unused placeholder */
#define	RB_VERBOSE	0x800	/* print all potentially useful info */
#define	RB_SERIAL	0x1000	/* use serial port as console */
#define	RB_CDROM	0x2000	/* use cdrom as root */
#define	RB_POWEROFF	0x4000	/* turn the power off if possible */
#define	RB_GDB		0x8000	/* use GDB remote debugger instead of DDB */
#define	RB_MUTE		0x10000	/* start up with the console muted */
#define	RB_SELFTEST	0x20000	/* unused placeholder */
#define	RB_RESERVED1	0x40000	/* reserved for internal use of boot blocks */
#define	RB_PAUSE	0x100000 /* pause after each output line during probe */
#define	RB_REROOT	0x200000 /* unmount the rootfs and mount it again */
#define	RB_POWERCYCLE	0x400000 /* Power cycle if possible */
#define	RB_MUTEMSGS	0x800000 /* start up with console muted after banner */
#define	RB_PROBE	0x10000000	/* Probe multiple consoles */
#define	RB_MULTIPLE	0x20000000	/* use multiple consoles */

#define	RB_BOOTINFO	0x80000000	/* have `struct bootinfo *' arg */

#endif /* !_SYS_REBOOT_H_ */

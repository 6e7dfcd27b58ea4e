/*
 * mutexdemo -- exercises mutex(9) the way a driver guards its softc.
 * INIT initialises a MUTEX_DEFAULT/IPL_NONE mutex, takes it, checks
 * mutex_owned and that mutex_tryenter refuses a held mutex, releases it,
 * and checks mutex_tryenter then succeeds.  With the property "misuse"
 * set to 1 it then enters the mutex twice, which a LOCKDEBUG kernel
 * panics on ("locking against myself").  FINI destroys the mutex.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>
#include <sys/mutex.h>
#include <prop/proplib.h>

MODULE(MODULE_CLASS_MISC, mutexdemo, NULL);

static kmutex_t mutexdemo_lock;

static int
mutexdemo_modcmd(modcmd_t cmd, void *arg)
{
	int32_t misuse = 0;

	switch (cmd) {
	case MODULE_CMD_INIT:
		mutex_init(&mutexdemo_lock, MUTEX_DEFAULT, IPL_NONE);
		mutex_enter(&mutexdemo_lock);
		printf("mutexdemo: owned while held = %d\n", mutex_owned(&mutexdemo_lock));
		printf("mutexdemo: tryenter while held = %d\n", mutex_tryenter(&mutexdemo_lock));
		mutex_exit(&mutexdemo_lock);
		printf("mutexdemo: owned after exit = %d\n", mutex_owned(&mutexdemo_lock));
		printf("mutexdemo: tryenter when free = %d\n", mutex_tryenter(&mutexdemo_lock));
		mutex_exit(&mutexdemo_lock);
		if (arg != NULL)
			prop_dictionary_get_int32(arg, "misuse", &misuse);
		if (misuse) {
			mutex_enter(&mutexdemo_lock);
			mutex_enter(&mutexdemo_lock);
		}
		return 0;
	case MODULE_CMD_FINI:
		mutex_destroy(&mutexdemo_lock);
		printf("mutexdemo: destroyed\n");
		return 0;
	default:
		return ENOTTY;
	}
}

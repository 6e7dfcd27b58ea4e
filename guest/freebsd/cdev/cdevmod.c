/*
 * cdevmod.c: the module half of the two-source cdev example: the cdevsw naming the
 * functions in cdev.c, and the event handler that makes /dev/cdev (root:wheel 0600)
 * on load and destroys it on unload.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/conf.h>

#include "cdev.h"

static struct cdevsw my_devsw = {
	.d_version =	D_VERSION,
	.d_open =	mydev_open,
	.d_close =	mydev_close,
	.d_read =	mydev_read,
	.d_write =	mydev_write,
	.d_ioctl =	mydev_ioctl,
	.d_name =	"cdev",
};

static struct cdev *sdev;

static int
cdev_load(module_t mod, int cmd, void *arg)
{
	int err = 0;

	switch (cmd) {
	case MOD_LOAD:
		sdev = make_dev(&my_devsw, 0, UID_ROOT, GID_WHEEL, 0600, "cdev");
		printf("cdev: loaded, /dev/%s\n", devtoname(sdev));
		break;
	case MOD_UNLOAD:
		destroy_dev(sdev);
		printf("cdev: unloaded\n");
		break;
	default:
		err = EOPNOTSUPP;
		break;
	}
	return (err);
}

DEV_MODULE(cdev, cdev_load, NULL);

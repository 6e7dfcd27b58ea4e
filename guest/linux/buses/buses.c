// SPDX-License-Identifier: GPL-2.0
/*
 * buses -- the driver core as real drivers use it. init registers a platform driver with a
 * driver attribute and `devices` platform devices of its name (platform_device_register_simple,
 * one with PLATFORM_DEVID_AUTO), so the core probes each; a PCI driver and an I2C driver
 * (never probed: no such hardware); a bus of its own (bus_register) with a match rule and a
 * device on it (device_register), and a driver for that device. exit undoes it all, so each
 * remove() runs; the platform probe's devm_kzalloc/devm_kasprintf/devm_add_action resources are
 * released by the core after remove, or when the probe fails. `dup` registers the platform driver a second time (the core refuses it),
 * `probe_ret` makes every platform probe return that value.
 */
#include <linux/device.h>
#include <linux/i2c.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Platform, PCI and I2C drivers and a bus of its own");

static int devices = 2;
module_param(devices, int, 0444);
static int dup;
module_param(dup, int, 0444);
static int probe_ret;
module_param(probe_ret, int, 0444);

#define MAX_DEVICES 4
static struct platform_device *pdevs[MAX_DEVICES + 1];
static int probes, removes;

struct kemu_plat_priv {
	int magic;
	char *label;
};

/* a devm action: runs when the driver core releases the device's managed resources */
static void kemu_plat_cleanup(void *data)
{
	struct kemu_plat_priv *priv = data;

	pr_info("buses: cleanup %s\n", priv->label);
}

static int kemu_plat_probe(struct platform_device *pdev)
{
	struct kemu_plat_priv *priv;
	int ret;

	probes++;
	dev_info(&pdev->dev, "probe %d: id %d%s\n", probes, pdev->id, pdev->id_auto ? " (auto)" : "");
	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->magic = 0x6b656d75;
	priv->label = devm_kasprintf(&pdev->dev, GFP_KERNEL, "unit-%d", probes);
	if (!priv->label)
		return -ENOMEM;
	ret = devm_add_action(&pdev->dev, kemu_plat_cleanup, priv);
	if (ret)
		return ret;
	if (probe_ret)
		return probe_ret;
	platform_set_drvdata(pdev, priv);
	return 0;
}

static int kemu_plat_remove(struct platform_device *pdev)
{
	struct kemu_plat_priv *priv = platform_get_drvdata(pdev);

	removes++;
	dev_info(&pdev->dev, "remove %s (drvdata %s)\n", priv->label, priv->magic == 0x6b656d75 ? "ok" : "lost");
	return 0;
}

static struct platform_driver kemu_plat_driver = {
	.probe = kemu_plat_probe,
	.remove = kemu_plat_remove,
	.driver = { .name = "kemu_plat" },
};

static ssize_t probes_show(struct device_driver *drv, char *buf)
{
	return sprintf(buf, "%s: %d probed, %d removed\n", drv->name, probes, removes);
}
static DRIVER_ATTR_RO(probes);

static const struct pci_device_id kemu_pci_ids[] = {
	{ PCI_DEVICE(0x8086, 0x1234) },
	{ }
};

static int kemu_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	pr_info("buses: pci probe called\n");
	return 0;
}

static void kemu_pci_remove(struct pci_dev *pdev)
{
}

static struct pci_driver kemu_pci_driver = {
	.name = "kemu_pci",
	.id_table = kemu_pci_ids,
	.probe = kemu_pci_probe,
	.remove = kemu_pci_remove,
};

static int kemu_i2c_probe(struct i2c_client *client)
{
	pr_info("buses: i2c probe called\n");
	return 0;
}

static struct i2c_driver kemu_i2c_driver = {
	.driver = { .name = "kemu_i2c" },
	.probe_new = kemu_i2c_probe,
};

/* a bus of the module's own: devices match drivers whose name starts their own */
static int kemu_bus_match(struct device *dev, struct device_driver *drv)
{
	return strncmp(dev_name(dev), drv->name, strlen(drv->name)) == 0;
}

static struct bus_type kemu_bus = {
	.name = "kemubus",
	.dev_name = "kemu",
	.match = kemu_bus_match,
};

static int kemu_bus_drv_probe(struct device *dev)
{
	pr_info("buses: kemubus probe of %s by %s\n", dev_name(dev), dev->driver->name);
	return 0;
}

static int kemu_bus_drv_remove(struct device *dev)
{
	pr_info("buses: kemubus remove of %s\n", dev_name(dev));
	return 0;
}

static struct device_driver kemu_bus_driver = {
	.name = "kemu",
	.bus = &kemu_bus,
	.probe = kemu_bus_drv_probe,
	.remove = kemu_bus_drv_remove,
};

static void kemu_bus_dev_release(struct device *dev)
{
	pr_info("buses: release %s\n", dev_name(dev));
}

static struct device kemu_bus_dev = {
	.bus = &kemu_bus,
	.id = 7,
	.release = kemu_bus_dev_release,
};

static int __init buses_init(void)
{
	int ret, i;

	ret = platform_driver_register(&kemu_plat_driver);
	if (ret)
		return ret;
	ret = driver_create_file(&kemu_plat_driver.driver, &driver_attr_probes);
	if (ret)
		goto out_driver;
	if (dup) {
		ret = platform_driver_register(&kemu_plat_driver);
		pr_info("buses: second registration: %d\n", ret);
	}
	for (i = 0; i < devices && i < MAX_DEVICES; i++) {
		pdevs[i] = platform_device_register_simple("kemu_plat", i == devices - 1 ? PLATFORM_DEVID_AUTO : i,
							   NULL, 0);
		if (IS_ERR(pdevs[i])) {
			ret = PTR_ERR(pdevs[i]);
			pdevs[i] = NULL;
			goto out_devices;
		}
	}
	ret = pci_register_driver(&kemu_pci_driver);
	if (ret)
		goto out_devices;
	ret = i2c_add_driver(&kemu_i2c_driver);
	if (ret)
		goto out_pci;
	ret = bus_register(&kemu_bus);
	if (ret)
		goto out_i2c;
	ret = driver_register(&kemu_bus_driver);
	if (ret)
		goto out_bus;
	ret = device_register(&kemu_bus_dev);
	if (ret) {
		put_device(&kemu_bus_dev);
		goto out_bus_driver;
	}
	pr_info("buses: %d probed, %s bound to %s\n", probes, dev_name(&kemu_bus_dev),
		kemu_bus_dev.driver ? kemu_bus_dev.driver->name : "nothing");
	return 0;

out_bus_driver:
	driver_unregister(&kemu_bus_driver);
out_bus:
	bus_unregister(&kemu_bus);
out_i2c:
	i2c_del_driver(&kemu_i2c_driver);
out_pci:
	pci_unregister_driver(&kemu_pci_driver);
out_devices:
	for (i = 0; pdevs[i]; i++)
		platform_device_unregister(pdevs[i]);
	driver_remove_file(&kemu_plat_driver.driver, &driver_attr_probes);
out_driver:
	platform_driver_unregister(&kemu_plat_driver);
	return ret;
}

static void __exit buses_exit(void)
{
	int i;

	device_unregister(&kemu_bus_dev);
	driver_unregister(&kemu_bus_driver);
	bus_unregister(&kemu_bus);
	i2c_del_driver(&kemu_i2c_driver);
	pci_unregister_driver(&kemu_pci_driver);
	for (i = 0; pdevs[i]; i++)
		platform_device_unregister(pdevs[i]);
	driver_remove_file(&kemu_plat_driver.driver, &driver_attr_probes);
	platform_driver_unregister(&kemu_plat_driver);
	pr_info("buses: %d probed, %d removed\n", probes, removes);
}

module_init(buses_init);
module_exit(buses_exit);

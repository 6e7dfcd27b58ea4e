// SPDX-License-Identifier: GPL-2.0
/*
 * netreg -- the networking registries a protocol or virtual-device driver fills at init:
 * a netdevice notifier, a pernet subsystem with net_generic storage (read back through
 * net_generic() as drivers do), a generic netlink family with a multicast group (and a
 * second family under the same name, which must be refused) and a packet type. exit
 * takes everything back in the reverse order.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kemu");
MODULE_DESCRIPTION("Netdevice notifier, pernet subsys, genl family and packet type");

struct netreg_net {
	int inits;
	int magic;
};

static unsigned int netreg_net_id;

static int netreg_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	return NOTIFY_DONE;
}

static struct notifier_block netreg_notifier = {
	.notifier_call = netreg_event,
	.priority = 5,
};

static int __net_init netreg_net_init(struct net *net)
{
	struct netreg_net *nn = net_generic(net, netreg_net_id);

	nn->inits++;
	nn->magic = 0x6e6574;
	pr_info("netreg: pernet init, id %u, init_net %d\n", netreg_net_id, net == &init_net);
	return 0;
}

static void __net_exit netreg_net_exit(struct net *net)
{
	struct netreg_net *nn = net_generic(net, netreg_net_id);

	pr_info("netreg: pernet exit, magic %x\n", nn->magic);
}

static void __net_exit netreg_net_exit_batch(struct list_head *net_list)
{
	struct net *net;
	int n = 0;

	list_for_each_entry(net, net_list, exit_list)
		n += net == &init_net;
	pr_info("netreg: exit batch saw init_net %d\n", n);
}

static struct pernet_operations netreg_net_ops = {
	.init = netreg_net_init,
	.exit = netreg_net_exit,
	.exit_batch = netreg_net_exit_batch,
	.id = &netreg_net_id,
	.size = sizeof(struct netreg_net),
};

static int netreg_doit(struct sk_buff *skb, struct genl_info *info)
{
	return 0;
}

static const struct genl_small_ops netreg_ops[] = {
	{ .cmd = 1, .doit = netreg_doit },
};

static const struct genl_multicast_group netreg_mcgrps[] = {
	{ .name = "events" },
	{ .name = "config" },
};

static struct genl_family netreg_family __ro_after_init = {
	.name = "kemu_netreg",
	.version = 1,
	.module = THIS_MODULE,
	.small_ops = netreg_ops,
	.n_small_ops = ARRAY_SIZE(netreg_ops),
	.mcgrps = netreg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(netreg_mcgrps),
};

static struct genl_family netreg_clash = {
	.name = "kemu_netreg",
	.version = 1,
	.module = THIS_MODULE,
	.small_ops = netreg_ops,
	.n_small_ops = ARRAY_SIZE(netreg_ops),
};

static int netreg_rcv(struct sk_buff *skb, struct net_device *dev, struct packet_type *pt,
		      struct net_device *orig_dev)
{
	/* never called: kemu has no device to receive a frame from (a real handler frees skb) */
	return NET_RX_DROP;
}

static struct packet_type netreg_packet = {
	.type = cpu_to_be16(0x88b5),	/* ETH_P_802_EX1, the local experimental ethertype */
	.func = netreg_rcv,
};

static int __init netreg_init(void)
{
	int err;

	err = register_netdevice_notifier(&netreg_notifier);
	if (err)
		return err;
	pr_info("netreg: notifier again: %d\n", register_netdevice_notifier(&netreg_notifier));
	err = register_pernet_subsys(&netreg_net_ops);
	if (err)
		goto out_notifier;
	err = genl_register_family(&netreg_family);
	if (err)
		goto out_pernet;
	pr_info("netreg: family id %u, first group %u\n", netreg_family.id, netreg_family.mcgrp_offset);
	pr_info("netreg: same name again: %d\n", genl_register_family(&netreg_clash));
	dev_add_pack(&netreg_packet);
	return 0;

out_pernet:
	unregister_pernet_subsys(&netreg_net_ops);
out_notifier:
	unregister_netdevice_notifier(&netreg_notifier);
	return err;
}

static void __exit netreg_exit(void)
{
	dev_remove_pack(&netreg_packet);
	pr_info("netreg: unregister family: %d\n", genl_unregister_family(&netreg_family));
	unregister_pernet_subsys(&netreg_net_ops);
	pr_info("netreg: unregister notifier: %d, again: %d\n",
		unregister_netdevice_notifier(&netreg_notifier),
		unregister_netdevice_notifier(&netreg_notifier));
}

module_init(netreg_init);
module_exit(netreg_exit);

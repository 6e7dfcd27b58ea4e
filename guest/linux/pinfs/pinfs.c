// SPDX-License-Identifier: GPL-2.0
/*
 * pinfs: a pseudo filesystem the module mounts inside the kernel, as configfs and securityfs
 * do: register_filesystem, then simple_pin_fs (vfs_kern_mount: init_fs_context, get_tree_single,
 * fill_super with new_inode and d_make_root). Init pins it twice (the second pin reuses the
 * mount), adds one regular file "hello" under the root with d_alloc_name/d_add (kept with an
 * extra dget, as litter filesystems keep their entries) and drops one pin. Exit unlinks the
 * file and drops the last pin, which unmounts (kill_litter_super), then unregisters the type.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/dcache.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A pseudo filesystem pinned with simple_pin_fs");

#define PINFS_MAGIC 0x6b656d75

static struct vfsmount *pinfs_mnt;
static int pinfs_pins;
static struct dentry *hello;

static const struct super_operations pinfs_ops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
};

static struct inode *pinfs_inode(struct super_block *sb, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (inode) {
		inode->i_ino = get_next_ino();
		inode->i_mode = mode;
		inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
	}
	return inode;
}

static int pinfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *inode;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = PINFS_MAGIC;
	sb->s_op = &pinfs_ops;
	sb->s_time_gran = 1;
	inode = pinfs_inode(sb, S_IFDIR | 0755);
	if (!inode)
		return -ENOMEM;
	inode->i_op = &simple_dir_inode_operations;
	inode->i_fop = &simple_dir_operations;
	inc_nlink(inode);
	sb->s_root = d_make_root(inode);
	pr_info("pinfs: fill_super, root ino %lu\n", inode->i_ino);
	return sb->s_root ? 0 : -ENOMEM;
}

static int pinfs_get_tree(struct fs_context *fc)
{
	return get_tree_single(fc, pinfs_fill_super);
}

static const struct fs_context_operations pinfs_context_ops = {
	.get_tree = pinfs_get_tree,
};

static int pinfs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &pinfs_context_ops;
	return 0;
}

static struct file_system_type pinfs_type = {
	.owner = THIS_MODULE,
	.name = "pinfs",
	.init_fs_context = pinfs_init_fs_context,
	.kill_sb = kill_litter_super,
};

static int __init pinfs_init(void)
{
	struct dentry *root;
	struct inode *inode;
	int err;

	err = register_filesystem(&pinfs_type);
	if (err)
		return err;
	err = simple_pin_fs(&pinfs_type, &pinfs_mnt, &pinfs_pins);
	if (!err)
		err = simple_pin_fs(&pinfs_type, &pinfs_mnt, &pinfs_pins);
	if (err) {
		unregister_filesystem(&pinfs_type);
		return err;
	}
	root = pinfs_mnt->mnt_root;
	pr_info("pinfs: pinned %d times, magic %lx, root %s is a directory: %d\n", pinfs_pins,
		root->d_sb->s_magic, root->d_name.name, d_is_dir(root));

	inode_lock(d_inode(root));
	hello = d_alloc_name(root, "hello");
	inode = hello ? pinfs_inode(root->d_sb, S_IFREG | 0444) : NULL;
	if (inode) {
		d_add(hello, inode);
		dget(hello);
	}
	inode_unlock(d_inode(root));
	if (!inode) {
		simple_release_fs(&pinfs_mnt, &pinfs_pins);
		simple_release_fs(&pinfs_mnt, &pinfs_pins);
		unregister_filesystem(&pinfs_type);
		return -ENOMEM;
	}
	pr_info("pinfs: %s under %s, ino %lu, regular: %d, links %u, parent holds it: %d\n",
		hello->d_name.name, hello->d_parent->d_name.name, d_inode(hello)->i_ino,
		d_is_reg(hello), d_inode(hello)->i_nlink, hello->d_parent == root);
	simple_release_fs(&pinfs_mnt, &pinfs_pins);
	pr_info("pinfs: %d pin left, still mounted: %d\n", pinfs_pins, pinfs_mnt != NULL);
	return 0;
}

static void __exit pinfs_exit(void)
{
	struct dentry *root = pinfs_mnt->mnt_root;

	inode_lock(d_inode(root));
	simple_unlink(d_inode(root), hello);
	d_delete(hello);
	dput(hello);
	inode_unlock(d_inode(root));
	simple_release_fs(&pinfs_mnt, &pinfs_pins);
	pr_info("pinfs: unpinned, mount %s\n", pinfs_mnt ? "kept" : "gone");
	unregister_filesystem(&pinfs_type);
}

module_init(pinfs_init);
module_exit(pinfs_exit);

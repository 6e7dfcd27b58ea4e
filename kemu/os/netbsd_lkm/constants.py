"""Numbers from NetBSD 1.6 sys/lkm.h that the kernel side and the tools agree on."""

MAXLKMS = 20            # slots in the kernel's module table
MAXLKMNAME = 32
LKM_VERSION = 1         # 1.4-1.6 (2.0 raised it to 2)
LKM_E_LOAD, LKM_E_UNLOAD, LKM_E_STAT = 1, 2, 3

# MODTYPE
LM_SYSCALL, LM_VFS, LM_DEV, LM_STRMOD, LM_EXEC, LM_COMPAT, LM_MISC = range(7)
TYPE_NAMES = ("SYSCALL", "VFS", "DEV", "STRMOD", "EXEC", "COMPAT", "MISC")   # modstat's column

# DEVTYPE
LM_DT_BLOCK, LM_DT_CHAR = 0, 1

# The kern_lkm.c LMSTAT size unit: it defines its own PAGESIZE of 1024 for this report.
LKM_STAT_UNIT = 1024

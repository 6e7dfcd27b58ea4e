"""The Linux 6.1 kernel functions kemu implements, one Python function each with its C
prototype, grouped by subsystem: printk, memory (the allocator family), string, usercopy,
chrdev (char devices, classes, misc devices)."""

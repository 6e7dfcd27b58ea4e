# COMMON symbols of several sizes and alignments (the linker allocates and zeroes them),
# a local .lcomm in .bss, and references to them of every absolute and PC-relative kind.
# kemu-link: base=0xffffffff80000000
	.text
	.globl	common_fn
	.type	common_fn, @function
common_fn:
	movl	cm_int(%rip), %eax		# PC32 to a COMMON symbol
	movq	$cm_array+8, %rbx		# 32S to a COMMON symbol, addend
	movl	cm_byte(%rip), %ecx
	leaq	lc_buf(%rip), %rdx		# PC32 to a .lcomm (in .bss)
	ret
	.size	common_fn, .-common_fn

	.data
	.align	8
pointers:
	.quad	cm_int, cm_array, cm_array+0x78, cm_big, cm_byte, lc_buf+4	# 64
	.quad	cm_big - .			# PC64 to COMMON

	.comm	cm_int, 4, 4
	.comm	cm_array, 128, 8
	.comm	cm_big, 1000, 64
	.comm	cm_byte, 1, 1
	.local	lc_buf
	.comm	lc_buf, 32, 16			# a local COMMON: as puts it in .bss

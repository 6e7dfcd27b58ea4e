# COMMON symbols of several sizes and alignments, a local COMMON, and references to them.
# kemu-link: base=0xc0800000
	.text
	.globl	common_fn
	.type	common_fn, @function
common_fn:
	movl	cm_int, %eax			# R_386_32 to a COMMON symbol
	movl	$cm_array+8, %ebx		# with an in-place addend
	movzbl	cm_byte, %ecx
	leal	lc_buf, %edx			# a local COMMON (in .bss)
	call	.Lnext
.Lnext:
	ret
	.size	common_fn, .-common_fn

	.data
	.align	4
pointers:
	.long	cm_int, cm_array, cm_array+0x78, cm_big, cm_byte, lc_buf+4
	.long	cm_big - .			# PC32 to COMMON

	.comm	cm_int, 4, 4
	.comm	cm_array, 128, 8
	.comm	cm_big, 1000, 64
	.comm	cm_byte, 1, 1
	.local	lc_buf
	.comm	lc_buf, 32, 16

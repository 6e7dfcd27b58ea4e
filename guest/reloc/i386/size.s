# R_386_SIZE32: the symbol's st_size plus the in-place addend.
# kemu-link: base=0xc0800000
# kemu-sym: ext_data = 0xc0180040
	.text
	.globl	size_fn
	.type	size_fn, @function
size_fn:
	movl	$gtable@SIZE, %eax		# R_386_SIZE32 in an instruction
	ret
	.size	size_fn, .-size_fn

	.section .rodata,"a",@progbits
	.align	4
sizes:
	.long	gtable@SIZE			# SIZE32
	.long	gtable@SIZE - 4			# negative in-place addend
	.long	size_fn@SIZE + 0x100
	.long	gcommon@SIZE			# a COMMON symbol's size
	.long	ext_data@SIZE + 12		# an external: 0 + 12

	.data
	.globl	gtable
	.type	gtable, @object
gtable:
	.zero	200
	.size	gtable, 200
	.comm	gcommon, 48, 16

# R_X86_64_SIZE32 and SIZE64: the symbol's st_size plus the addend, for functions, objects,
# COMMON symbols and an external (whose size is 0 to the linker).
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_data = 0xffffffff81800040
	.text
	.globl	size_fn
	.type	size_fn, @function
size_fn:
	movl	$gtable@SIZE, %eax		# R_X86_64_SIZE32 in an instruction
	movabsq	$size_fn@SIZE, %rax		# R_X86_64_SIZE64 in an instruction
	ret
	.size	size_fn, .-size_fn

	.section .rodata,"a",@progbits
	.align	8
sizes:
	.long	gtable@SIZE			# SIZE32
	.long	gtable@SIZE - 4			# SIZE32, negative addend
	.quad	size_fn@SIZE + 0x100		# SIZE64 with addend
	.quad	gcommon@SIZE			# SIZE64 of a COMMON symbol
	.long	ext_data@SIZE + 12		# SIZE32 of an external: 0 + 12
	.long	local_obj@SIZE			# SIZE32 of a local object

	.data
	.globl	gtable
	.type	gtable, @object
gtable:
	.zero	200
	.size	gtable, 200
	.type	local_obj, @object
local_obj:
	.quad	1, 2
	.size	local_obj, 16
	.comm	gcommon, 48, 16

# Absolute relocations: R_X86_64_64, 32, 32S, 16, 8 and NONE, against globals, section
# symbols (gas turns local labels into section+offset), externals, weak symbols, with
# positive and negative addends, in code and in data.
# kemu-link: base=0xffffffff80000000
# kemu-sym: ext_func = 0xffffffff81000000
# kemu-sym: ext_data = 0xffffffff81800040
# kemu-sym: small = 0x1234
	.text
	.globl	abs_entry
	.type	abs_entry, @function
abs_entry:
	movq	$ext_data, %rax			# R_X86_64_32S, external
	movq	$local_data+8, %rbx		# R_X86_64_32S, section symbol .data + 8
	movq	$gdata-16, %rcx			# R_X86_64_32S, global, negative addend
	movabsq	$ext_func, %rdx			# R_X86_64_64, external
	movabsq	$gdata-0x20, %rsi		# R_X86_64_64, negative addend
	movabsq	$wdef+3, %rdi			# R_X86_64_64, weak definition in this module
	movl	$small, %eax			# R_X86_64_32, zero-extended
	movl	$small+0x100, %r8d		# R_X86_64_32 with addend
	leaq	table(,%rdi,8), %rsi		# R_X86_64_32S as a displacement
	movq	table+24(,%rdi,8), %r9		# R_X86_64_32S displacement with addend
	movw	$small, %ax			# R_X86_64_16
	movb	$small-0x1200, %al		# R_X86_64_8 (0x34)
	movq	$wu, %r10			# R_X86_64_32S, weak undefined -> 0
	.reloc	., R_X86_64_NONE, ext_func	# R_X86_64_NONE: nothing happens
	nop
	ret
	.size	abs_entry, .-abs_entry

	.section .text.helper,"ax",@progbits
helper:
	ret

	.section .rodata,"a",@progbits
	.align	8
table:
	.quad	abs_entry, abs_entry+4, helper-2	# 64 against .text / .text.helper
	.quad	ext_func+0x10, ext_data-0x10		# 64 against externals
	.quad	wu, wu+8				# 64, weak undefined
	.quad	local_bss+16, gbss			# 64 into .bss
	.long	small, small+1				# R_X86_64_32 in data
	.reloc	., R_X86_64_32S, abs_entry+8		# 32S in data
	.long	0
	.reloc	., R_X86_64_32S, ext_data-0x40
	.long	0
	.word	small+2, small-0x1234			# R_X86_64_16
	.byte	small-0x1200, small-0x1230		# R_X86_64_8 (0x34, 0x04)

	.data
	.align	8
local_data:
	.quad	0x1111111111111111
	.quad	local_data				# 64, .data against itself
	.globl	gdata
	.type	gdata, @object
gdata:
	.quad	gdata+8, table-8, abs_entry
	.size	gdata, .-gdata
	.weak	wdef
wdef:
	.quad	0

	.bss
	.align	16
local_bss:
	.zero	64
	.globl	gbss
gbss:
	.zero	16
	.weak	wu

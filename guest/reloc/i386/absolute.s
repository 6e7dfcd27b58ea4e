# Absolute relocations on i386 (REL: the addend sits in the field): R_386_32, 16, 8 and NONE,
# against globals, section symbols, externals and weak symbols, with positive and negative
# in-place addends, in code and in data.
# kemu-link: base=0xc0800000
# kemu-sym: ext_func = 0xc0100000
# kemu-sym: ext_data = 0xc0180040
# kemu-sym: small = 0x1234
# kemu-sym: small8 = 0x30
	.text
	.globl	abs_entry
	.type	abs_entry, @function
abs_entry:
	movl	$ext_data, %eax			# R_386_32, external
	movl	$local_data+8, %ebx		# R_386_32, section symbol .data + 8
	movl	$gdata-16, %ecx			# R_386_32, global, negative addend
	movl	table(,%edi,4), %esi		# R_386_32 as a displacement
	movl	table+12(,%edi,4), %esi		# displacement with addend
	movl	wdef+3, %edx			# weak definition in this module
	movw	$small, %ax			# R_386_16
	movw	$small-0x2234, %dx		# R_386_16 (negative: 0xf000)
	movb	$small8+4, %al			# R_386_8
	movl	$wu, %edi			# R_386_32, weak undefined -> 0
	.reloc	., R_386_NONE, ext_func		# R_386_NONE: nothing happens
	nop
	ret
	.size	abs_entry, .-abs_entry

	.section .text.helper,"ax",@progbits
helper:
	ret

	.section .rodata,"a",@progbits
	.align	4
table:
	.long	abs_entry, abs_entry+4, helper-2	# R_386_32 against .text / .text.helper
	.long	ext_func+0x10, ext_data-0x10		# externals
	.long	wu, wu+8				# weak undefined
	.long	local_bss+16, gbss			# into .bss
	.word	small+2, small-0x1234			# R_386_16
	.byte	small8+4, small8-0x20			# R_386_8 (0x34, 0x10)

	.data
	.align	4
local_data:
	.long	0x11111111
	.long	local_data				# .data against itself
	.globl	gdata
	.type	gdata, @object
gdata:
	.long	gdata+8, table-8, abs_entry
	.size	gdata, .-gdata
	.weak	wdef
wdef:
	.long	0

	.bss
	.align	16
local_bss:
	.zero	64
	.globl	gbss
gbss:
	.zero	16
	.weak	wu

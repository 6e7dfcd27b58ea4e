# PC-relative relocations on i386: R_386_PC32 (calls from -fno-pic code), PLT32, PC16, PC8,
# to externals, globals and other sections, with in-place addends.
# kemu-link: base=0xc0800000
# kemu-sym: ext_func = 0xc0100000
# kemu-sym: ext_other = 0xc0900010
# kemu-sym: near_fn = base + 0x10
# kemu-sym: ext_near = base + 0x3000
	.text
	.globl	pc_entry
	.type	pc_entry, @function
pc_entry:
	call	ext_func			# R_386_PC32 (implicit addend -4)
	call	pc_helper			# PC32, global in another section
	call	local_fn			# PC32 via section symbol
	call	ext_other@PLT			# R_386_PLT32
	jmp	ext_func			# PC32 tail call
	call	wu				# PC32 to weak undefined: 0 - P
	ret
	.size	pc_entry, .-pc_entry

	.section .text.helper,"ax",@progbits
	.globl	pc_helper
pc_helper:
	ret
local_fn:
	jmp	pc_entry			# PC32 back to another section
	.byte	near_fn - .			# R_386_PC8 to an external near P

	.section .rodata,"a",@progbits
	.align	4
offsets:
	.long	pc_entry - .			# PC32 in data
	.long	ext_func - . + 0x10		# PC32 external with addend
	.long	wu - .				# PC32 weak undefined
	.word	pc_helper - . + 0x10		# R_386_PC16 rodata -> text
	.word	ext_near - 0x10 - .		# PC16 against an external, negative addend

	.data
	.globl	counter
counter:
	.long	1, 2, 3
	.word	local_fn - .			# R_386_PC16 data -> text
	.weak	wu

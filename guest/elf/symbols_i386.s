# Reader fixture (i386, SHT_REL): every kind of symbol, implicit addends, a COMDAT group, .bss.
# Built by tools/build_elf_fixtures.py; tests/elf reads it and checks each value named here.
        .text
        .globl  global_func
        .type   global_func, @function
global_func:                            # global, defined in .text at 0
        call    undefined_func          # R_386_PC32 undefined_func, implicit addend -4
        movl    common_buf, %eax        # R_386_32 common_buf, implicit addend 0
        movl    local_data+8, %eax      # R_386_32 against local_data (or .data), addend 8
        ret
        .size   global_func, .-global_func

        .weak   weak_func
        .type   weak_func, @function
weak_func:                              # weak, defined
        ret
        .size   weak_func, .-weak_func

        .weak   weak_undefined          # weak, undefined

        .globl  abs_symbol
        .set    abs_symbol, 0x12345678  # SHN_ABS

        .comm   common_buf, 64, 16      # SHN_COMMON, size 64, alignment 16

        .data
        .align  4
local_data:                             # local object in .data
        .long   0x11111111, 0x22222222, 0x33333333
        .long   undefined_func + 0x1234 # R_386_32, implicit addend 0x1234 in the bytes
        .long   undefined_func - 8      # R_386_32, implicit addend -8 (0xfffffff8)
        .long   weak_undefined

        .bss
        .align  32
        .globl  bss_array
        .type   bss_array, @object
bss_array:                              # NOBITS, 4096 bytes aligned to 32
        .zero   4096
        .size   bss_array, 4096

        .section .text.comdat_func,"axG",@progbits,comdat_func,comdat
        .globl  comdat_func
        .type   comdat_func, @function
comdat_func:                            # member of COMDAT group "comdat_func"
        movl    $local_data, %eax       # R_386_32, relocation inside a group member
        ret
        .size   comdat_func, .-comdat_func

        .section .note.GNU-stack,"",@progbits

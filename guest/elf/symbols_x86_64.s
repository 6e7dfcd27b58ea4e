# Reader fixture (x86-64, SHT_RELA): every kind of symbol, explicit and negative addends,
# a COMDAT group, .bss. Built by tools/build_elf_fixtures.py; tests/elf checks the values.
        .text
        .globl  global_func
        .type   global_func, @function
global_func:                            # global, defined in .text at 0
        call    undefined_func          # R_X86_64_PLT32 undefined_func - 4
        movl    common_buf(%rip), %eax  # R_X86_64_PC32 common_buf - 4
        movq    $local_data+8, %rax     # R_X86_64_32S local_data/.data + 8
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
        .align  8
local_data:                             # local object in .data
        .quad   0x1111111111111111, 0x2222222222222222
        .quad   undefined_func + 0x1234 # R_X86_64_64, addend 0x1234
        .quad   undefined_func - 16     # R_X86_64_64, addend -16
        .quad   weak_undefined          # R_X86_64_64, addend 0

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
        leaq    local_data(%rip), %rax  # R_X86_64_PC32, relocation inside a group member
        ret
        .size   comdat_func, .-comdat_func

        .section .note.GNU-stack,"",@progbits

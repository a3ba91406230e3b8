-- The facts of this dbt invocation that a Python model cannot see (dbt renders a Python
-- model's config when it parses the project, and partial parsing keeps it across runs): the
-- fits read is_empty_build here, so `dbt build --empty` checks their schema without fitting.
with

final as (

    select
        '{{ invocation_id }}' as invocation_id,
        {{ 'true' if flags.EMPTY else 'false' }} as is_empty_build

)

select * from final

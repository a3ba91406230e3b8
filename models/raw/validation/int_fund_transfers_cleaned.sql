-- A view: the filter of a table that is already built costs less than a copy of it.
{{ config(materialized='view') }}

with

validated as (

    select * from {{ ref('int_fund_transfers_validated') }}

),

final as (

    select
        {{ star_except([
            'quarantine_reason',
            'invalid_value',
            'row_copies',
            'key_versions',
            'source_file',
            'source_file_id',
            'source_row_number'
        ]) }}
    from validated
    where quarantine_reason is null

)

select * from final

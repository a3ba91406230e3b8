with

customers as (

    select * from {{ ref('stg_broker__customers') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

deduplicated as (

    {{ collapse_exact_duplicates('customers', 'customers') }}

),

checked as (

    select
        deduplicated.*,
        -- One reason per row: the first broken rule, in the project-wide precedence order.
        case
            when deduplicated.invalid_value is not null
                then {{ invalid_value_reason('deduplicated.invalid_value') }}
            when
                deduplicated.customer_id is null
                or trim(deduplicated.customer_id) = ''
                then 'missing_key'
            when deduplicated.key_versions > 1 then 'duplicate_key'
            when deduplicated.open_date is null then 'missing_date'
            when deduplicated.close_date < deduplicated.open_date then 'close_before_open'
            when
                deduplicated.channel is null
                or deduplicated.channel not in ('online', 'branch')
                then 'invalid_channel'
            when deduplicated.risk_level not between 1 and 5 then 'invalid_risk_level'
            when deduplicated.open_date > export_last_day.last_balance_date then 'after_data_end'
        end as quarantine_reason
    from deduplicated
    cross join export_last_day

),

-- the file name, where the quarantine needs it (source_file_id identifies every row's file)
final as (

    {{ name_source_files('checked', 'customers') }}

)

select * from final

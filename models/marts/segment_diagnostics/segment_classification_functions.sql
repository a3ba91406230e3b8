-- Classification functions per group: Fisher's linear classification function coefficients
-- (分类函数系数, SPSS's table: a coefficient per input's z-score and a constant with the log
-- prior), and beside them the assignment functions that place new customers (the
-- nearest-centre rule as linear functions of the model variables, which agree with K-means).
-- A customer belongs to the group whose function is highest.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        case artifact
            when 'classification_function' then 'fisher'
            when 'assignment_function' then 'nearest_centre'
        end as function_set,
        row_key as segment_code,
        column_key as term,
        value as coefficient
    from artifacts
    where artifact in ('classification_function', 'assignment_function')

)

select * from final

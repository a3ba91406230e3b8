-- Classification functions per group: Fisher's linear classification function coefficients
-- (分类函数系数, SPSS's table: a coefficient per input's z-score and a constant with the log
-- prior), and beside them the assignment functions that place new customers (the
-- nearest-centre rule as linear functions of the model variables, which agree with K-means).
-- A customer belongs to the group whose function is highest.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

priors as (

    select
        model_id,
        json_extract_string(text_value, '$.priors') as priors
    from artifacts
    where artifact = 'model_run' and column_key = 'config'

),

final as (

    select
        artifacts.model_id,
        artifacts.scheme,
        artifacts.as_of_date,
        case artifacts.artifact
            when 'classification_function' then 'fisher'
            when 'assignment_function' then 'nearest_centre'
        end as function_set,
        case when artifacts.artifact = 'classification_function' then priors.priors end
            as priors,
        artifacts.row_key as segment_code,
        artifacts.column_key as term,
        artifacts.value as coefficient
    from artifacts
    left join priors
        on artifacts.model_id = priors.model_id
    where artifacts.artifact in ('classification_function', 'assignment_function')

)

select * from final
